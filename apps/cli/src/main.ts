#!/usr/bin/env -S npx tsx --conditions=@polymodal/source
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then((code) => process.exit(code));
