// The public surface of every published package, as a reviewable text file: each export of
// `src/index.ts` with its kind and type signature (classes with their public members,
// interfaces with their fields), written to `packages/<name>/api-report.md`.
//
//   node scripts/api-report.mjs           # rewrite the reports
//   node scripts/api-report.mjs --check   # exit 1 and list the packages whose report is stale
//
// test/api-report.test.ts runs the check, so a change to an export shows in review as a diff of
// the report (the role of api-extractor's .api.md files, without a build step).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const F = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;

function isPublic(decl) {
  const flags = ts.getCombinedModifierFlags(decl);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  const name = decl.name;
  return !(name && ts.isPrivateIdentifier(name));
}

function members(checker, symbol, at) {
  const lines = [];
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  for (const p of checker.getPropertiesOfType(type)) {
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    if (decl && !isPublic(decl)) continue;
    const readonly = decl && ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Readonly ? 'readonly ' : '';
    const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
    const t = checker.getTypeOfSymbolAtLocation(p, at);
    if (p.flags & ts.SymbolFlags.Method) {
      for (const sig of t.getCallSignatures())
        lines.push(`  ${p.name}${optional}${checker.signatureToString(sig, at, F)}`);
    } else if (decl && (ts.isGetAccessor(decl) || ts.isSetAccessor(decl))) {
      const setter = p.declarations?.some((d) => ts.isSetAccessor(d));
      lines.push(`  ${setter ? '' : 'get '}${p.name}: ${checker.typeToString(t, at, F)}`);
    } else {
      lines.push(`  ${readonly}${p.name}${optional}: ${checker.typeToString(t, at, F)}`);
    }
  }
  return lines;
}

function describeExport(checker, exported, at) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const name = exported.name;
  const out = [];
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) {
    const decl = symbol.valueDeclaration;
    out.push(`class ${name}${heritage(decl)} {`);
    const ctorType = checker.getTypeOfSymbolAtLocation(symbol, at);
    for (const sig of ctorType.getConstructSignatures())
      out.push(`  constructor${checker.signatureToString(sig, at, F).replace(/: [^:]*$/, '')}`);
    for (const p of checker.getPropertiesOfType(ctorType)) {
      if (p.name === 'prototype') continue;
      const d = p.valueDeclaration ?? p.declarations?.[0];
      if (d && !isPublic(d)) continue;
      const t = checker.getTypeOfSymbolAtLocation(p, at);
      const sigs = t.getCallSignatures();
      if (p.flags & ts.SymbolFlags.Method)
        for (const sig of sigs) out.push(`  static ${p.name}${checker.signatureToString(sig, at, F)}`);
      else out.push(`  static ${p.name}: ${checker.typeToString(t, at, F)}`);
    }
    out.push(...members(checker, symbol, at), '}');
  } else if (f & ts.SymbolFlags.Interface) {
    const decl = symbol.declarations?.find(ts.isInterfaceDeclaration);
    out.push(`interface ${name}${typeParams(decl)}${heritage(decl)} {`, ...members(checker, symbol, at), '}');
  } else if (f & ts.SymbolFlags.TypeAlias) {
    const decl = symbol.declarations?.find(ts.isTypeAliasDeclaration);
    const text = decl
      ? decl.type.getText().replace(/\s+/g, ' ')
      : checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), at, F);
    out.push(`type ${name}${typeParams(decl)} = ${text}`);
  } else if (f & ts.SymbolFlags.Function) {
    const t = checker.getTypeOfSymbolAtLocation(symbol, at);
    for (const sig of t.getCallSignatures())
      out.push(`function ${name}${checker.signatureToString(sig, at, F)}`);
  } else if (f & ts.SymbolFlags.Variable) {
    out.push(`const ${name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at), at, F)}`);
  } else {
    out.push(`${name}: ${ts.SymbolFlags[f] ?? f}`);
  }
  return out.join('\n');
}

function typeParams(decl) {
  return decl?.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(', ')}>` : '';
}

function heritage(decl) {
  return decl?.heritageClauses
    ? ` ${decl.heritageClauses.map((h) => h.getText().replace(/\s+/g, ' ')).join(' ')}`
    : '';
}

/** The report of one package directory. */
export function apiReport(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const config = ts.getParsedCommandLineOfConfigFile(
    join(dir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const entry = join(dir, 'src/index.ts');
  const program = ts.createProgram([entry], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
  // Qualified names without machine paths: tfjs types as `tf.X`, the package's own by name.
  const blocks = exports.map((e) =>
    describeExport(checker, e, source).replace(/import\("([^"]+)"\)\./g, (_, mod) =>
      mod.startsWith('@tensorflow/tfjs-core') ? 'tf.' : mod.startsWith('@') ? `${mod}:` : '',
    ),
  );
  return [
    `# API report: ${manifest.name}`,
    '',
    '<!-- Generated by `pnpm api:report` from src/index.ts; test/api-report.test.ts fails when it is stale. -->',
    '',
    '```ts',
    blocks.join('\n\n'),
    '```',
    '',
  ].join('\n');
}

/** Published packages: `packages/*` that are not private. */
export function publishedPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => {
      try {
        return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
      } catch {
        return false;
      }
    });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const dir of publishedPackages()) {
    const path = join(dir, 'api-report.md');
    const report = apiReport(dir);
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {}
    if (current === report) continue;
    if (check) stale.push(path);
    else {
      writeFileSync(path, report);
      console.log(`wrote ${path}`);
    }
  }
  if (stale.length > 0) {
    console.error(`Stale API reports (run pnpm api:report and review the diff):\n${stale.join('\n')}`);
    process.exit(1);
  }
}
