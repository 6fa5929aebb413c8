#!/usr/bin/env -S npx tsx --conditions=@polymodal/source
import { parseArgs } from 'node:util';
import { DEFAULT_COMPONENTS } from '@polymodal/mdn';
import { type BackendName, initBackend, PolymodalError } from '@polymodal/tensor';
import { demoCommand } from './demo.js';

const USAGE = `polymodal <command> [options]

Commands:
  demo    train a mixture density network ensemble on the sine inverse problem and compare it
          with the exact conditional density
  info    show which tfjs backend would be used and why

Options:
  --backend <name>     auto | tensorflow | wasm | cpu (default: auto, or $POLYMODAL_BACKEND)
  --iterations <n>     training iterations for demo (default 4000)
  --members <n>        ensemble members for demo (default 3)
  --components <n>     mixture components for demo (default ${DEFAULT_COMPONENTS})
  --seed <n>           seed (default 0)
  -h, --help           this text`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      iterations: { type: 'string' },
      members: { type: 'string' },
      components: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 1 : 0;
  }
  const backend = values.backend as BackendName | undefined;
  const int = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new PolymodalError(`--${name} must be a non-negative integer, got '${v}'.`);
    return n;
  };
  switch (command) {
    case 'demo': {
      const iterations = int(values.iterations, 'iterations');
      const seed = int(values.seed, 'seed');
      const members = int(values.members, 'members');
      const components = int(values.components, 'components');
      await demoCommand({
        ...(members !== undefined ? { members } : {}),
        ...(components !== undefined ? { components } : {}),
        ...(backend ? { backend } : {}),
        ...(iterations !== undefined ? { iterations } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      return 0;
    }
    case 'info':
      console.log(JSON.stringify(await initBackend(backend ? { backend } : {}), null, 2));
      return 0;
    default:
      console.error(`Unknown command '${command}'.\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof PolymodalError ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
