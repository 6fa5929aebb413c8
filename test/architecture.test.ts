// The package graph as docs/architecture.md states it: every import declared in its package.json,
// runtime imports between polymodal packages exactly the table's arrows, no reaching into another
// package's internals, no cycles, and no declared runtime dependency left unused.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

interface Workspace {
  dir: string;
  manifest: Manifest;
  /** Short name used in the table: `nn` for `@polymodal/nn`, `cli` for the CLI app. */
  short: string;
}

const workspaces: Workspace[] = ['packages', 'apps', 'tools'].flatMap((group) =>
  readdirSync(join(root, group)).flatMap((name) => {
    const dir = join(root, group, name);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      return [{ dir, manifest, short: manifest.name.replace(/^@polymodal\//, '') }];
    } catch {
      return [];
    }
  }),
);
const byName = new Map(workspaces.map((w) => [w.manifest.name, w]));

function files(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|mts|tsx)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports, side-effect imports and dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1] as string);
  return found;
}

/** The package an import names (`@scope/name` or `name`), or undefined for relative and node: imports. */
function packageOf(spec: string): { name: string; subpath: string } | undefined {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return undefined;
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, n).join('/'), subpath: ['.', ...parts.slice(n)].join('/') };
}

// Tests, benches and build configs (vite.config.ts): what they import is a dev dependency.
const isTest = (file: string) =>
  /\.test\.ts$/.test(file) || /(^|\/)(test|bench)\//.test(file) || /(^|\/)[^/]+\.config\.m?ts$/.test(file);

interface Use {
  name: string;
  subpath: string;
  file: string;
  test: boolean;
}

function uses(w: Workspace): Use[] {
  return files(w.dir).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).flatMap((spec) => {
      const p = packageOf(spec);
      return p === undefined
        ? []
        : [{ ...p, file: relative(root, file), test: isTest(relative(w.dir, file)) }];
    }),
  );
}

/** The rule table of docs/architecture.md: short name → allowed polymodal imports ('any' for apps). */
function ruleTable(): Map<string, Set<string> | 'any'> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const start = doc.indexOf('<!-- the rule');
  expect(start, 'docs/architecture.md has lost its rule table marker').toBeGreaterThan(0);
  const rows = doc
    .slice(start)
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2); // header and separator
  const table = new Map<string, Set<string> | 'any'>();
  for (const row of rows) {
    const [pkg, imports] = row
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim()) as [string, string];
    table.set(
      pkg,
      imports === 'any package'
        ? 'any'
        : new Set(imports === '—' ? [] : imports.split(',').map((s) => s.trim())),
    );
  }
  return table;
}

const declared = (m: Manifest, kinds: ('dependencies' | 'peerDependencies' | 'devDependencies')[]) =>
  new Set(kinds.flatMap((k) => Object.keys(m[k] ?? {})));

/** Whether polymodal package `a` imports `b` at run time, directly or through others. */
function dependsOn(a: string, b: string, seen = new Set<string>()): boolean {
  if (seen.has(a)) return false;
  seen.add(a);
  const w = byName.get(a);
  if (w === undefined) return false;
  const direct = new Set(
    uses(w)
      .filter((u) => !u.test && u.name.startsWith('@polymodal/') && u.name !== a)
      .map((u) => u.name),
  );
  return direct.has(b) || [...direct].some((d) => dependsOn(d, b, seen));
}

describe('the package graph', () => {
  const table = ruleTable();
  const libraries = workspaces.filter((w) => w.short !== 'test-utils');

  it('every workspace package has a row in the architecture table', () => {
    expect(libraries.map((w) => w.short).filter((s) => !table.has(s))).toEqual([]);
  });

  it.each(workspaces.map((w) => [w.short, w] as const))(
    '%s: every import is declared in its package.json',
    (_, w) => {
      const runtime = declared(w.manifest, ['dependencies', 'peerDependencies']);
      const any = declared(w.manifest, ['dependencies', 'peerDependencies', 'devDependencies']);
      const missing = uses(w)
        .filter((u) => u.name !== w.manifest.name && !(u.test ? any : runtime).has(u.name))
        .map((u) => `${u.file}: ${u.name}${u.test ? '' : ' (run time)'}`);
      expect([...new Set(missing)]).toEqual([]);
    },
  );

  it.each(libraries.map((w) => [w.short, w] as const))(
    '%s: runtime imports of polymodal packages are exactly its arrows; tests use only packages that do not depend on it',
    (short, w) => {
      const rule = table.get(short);
      const ours = uses(w).filter((u) => u.name.startsWith('@polymodal/') && u.name !== w.manifest.name);
      const runtime = new Set(ours.filter((u) => !u.test).map((u) => u.name.replace('@polymodal/', '')));
      if (rule !== 'any') {
        expect([...runtime].sort(), `run-time imports of ${short} vs docs/architecture.md`).toEqual(
          [...(rule ?? [])].sort(),
        );
        const above = ours
          .filter((u) => u.test && dependsOn(u.name, w.manifest.name))
          .map((u) => `${u.file}: ${u.name}`);
        expect([...new Set(above)]).toEqual([]);
      }
      // Only through a public entry: the root or a subpath the target exports.
      const internal = ours
        .filter((u) => {
          const target = byName.get(u.name);
          return target === undefined || !(u.subpath in (target.manifest.exports ?? { '.': 0 }));
        })
        .map((u) => `${u.file}: ${u.name}${u.subpath.slice(1)}`);
      expect(internal).toEqual([]);
    },
  );

  it.each(libraries.map((w) => [w.short, w] as const))(
    '%s: every declared runtime dependency is imported at run time (or a peer one of them needs; or, for a bundled app, a dependency of a package it bundles)',
    (_, w) => {
      const imported = new Set(
        uses(w)
          .filter((u) => !u.test)
          .map((u) => u.name),
      );
      const peersOfDeps = new Set(
        [...imported].flatMap((d) => Object.keys(byName.get(d)?.manifest.peerDependencies ?? {})),
      );
      // An app whose build bundles the workspace packages (apps/cli: build.mjs) leaves their
      // dependencies external, to be resolved from the app: it declares them.
      const bundled = existsSync(join(w.dir, 'build.mjs'))
        ? new Set([...imported].flatMap((d) => Object.keys(byName.get(d)?.manifest.dependencies ?? {})))
        : new Set<string>();
      const unused = Object.keys(w.manifest.dependencies ?? {}).filter(
        (d) => !imported.has(d) && !peersOfDeps.has(d) && !bundled.has(d),
      );
      expect(unused).toEqual([]);
    },
  );

  it('has no cycles', () => {
    const edges = new Map(
      libraries.map((w) => [
        w.manifest.name,
        new Set(
          uses(w)
            .filter((u) => !u.test && u.name.startsWith('@polymodal/') && u.name !== w.manifest.name)
            .map((u) => u.name),
        ),
      ]),
    );
    const state = new Map<string, 'open' | 'done'>();
    const visit = (n: string, path: string[]): string[] | undefined => {
      if (state.get(n) === 'done') return undefined;
      if (state.get(n) === 'open') return [...path, n];
      state.set(n, 'open');
      for (const m of edges.get(n) ?? []) {
        const cycle = visit(m, [...path, n]);
        if (cycle) return cycle;
      }
      state.set(n, 'done');
      return undefined;
    };
    for (const n of edges.keys()) expect(visit(n, [])).toBeUndefined();
  });
});
