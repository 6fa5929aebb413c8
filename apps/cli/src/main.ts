import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// A leak check for developers (and the CLI's tests): what the command left allocated.
if (process.env.POLYMODAL_DEBUG)
  process.stderr.write(`debug: ${tf.engine().state.numTensors} tensors alive at exit\n`);
process.exit(code);
