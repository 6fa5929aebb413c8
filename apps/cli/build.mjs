// Builds the `polymodal` command: one ES module, dist/polymodal.mjs, with the workspace packages
// bundled from their TypeScript sources (and their own small dependencies), while tfjs (one
// tfjs-core; the wasm backend loads its binaries from its folder) and this package's declared
// dependencies stay imports that Node resolves from here. It starts in about a second, against
// three or four for the TypeScript sources through tsx.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
  (name) => !name.startsWith('@polymodal/'),
);
/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (path) =>
  path
    .split('/')
    .slice(0, path.startsWith('@') ? 2 : 1)
    .join('/');
const external = (path) =>
  path.startsWith('node:') ||
  builtinModules.includes(packageOf(path)) ||
  path.startsWith('@tensorflow/') ||
  declared.includes(packageOf(path));

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/polymodal.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@polymodal/source'],
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [
    {
      name: 'external-dependencies',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          external(args.path) ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ],
});
