/**
 * The layout of src, checked on every import (type-only imports too, since they tie files as
 * tightly for a reader): no import cycles, and no import from a lower floor back up.
 *
 *   os < auth < store < gateway < config < ui < features | cli < owner, extension
 *
 * A feature (src/features/<name>/) imports only its own files, src/features/context.ts and the
 * floors below; nothing but extension.ts imports the owner. docs/architecture.md has the picture.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/** Floors, lowest first; a file may import its own floor and the ones below. */
const FLOORS: Array<[prefix: string, floor: number]> = [
  ['os/', 0],
  ['auth/', 1],
  ['store/', 2],
  ['gateway/', 3],
  ['config/', 4],
  ['ui/', 5],
  ['features/', 6],
  ['cli/', 6],
  ['owner.ts', 7],
  ['extension.ts', 7],
];

function floorOf(rel: string): number {
  const hit = FLOORS.find(([p]) => rel === p || rel.startsWith(p));
  if (!hit) throw new Error(`src/${rel} is on no floor: put it in one of ${FLOORS.map(([p]) => p).join(', ')}`);
  return hit[1];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module a file names: import/export from, import(), require(), import('x').T. */
export function importsOf(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    )
      specs.push(n.moduleSpecifier.text);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal))
      specs.push(n.argument.literal.text);
    else if (
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(n.expression) && n.expression.text === 'require')) &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    )
      specs.push(n.arguments[0].text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => {
      const base = path.resolve(path.dirname(file), s);
      const hit = [base + '.ts', path.join(base, 'index.ts'), base].find(
        (c) => fs.existsSync(c) && fs.statSync(c).isFile(),
      );
      if (!hit) throw new Error(`${path.relative(ROOT, file)}: cannot resolve ${s}`);
      return hit;
    })
    .filter((f) => f.startsWith(SRC + path.sep) && f.endsWith('.ts'));
}

/** Strongly connected groups of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(group);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

const rel = (f: string): string => path.relative(SRC, f).split(path.sep).join('/');
const featureOf = (r: string): string | undefined => /^features\/([^/]+)\//.exec(r)?.[1];

describe('layout of src: floors and cycles', () => {
  const graph = new Map<string, string[]>();
  before(() => {
    for (const f of sourceFiles(SRC)) graph.set(f, importsOf(f));
  });

  it('has no import cycle', () => {
    const found = cycles(graph).map((g) => g.map(rel).sort().join(' <-> '));
    assert.deepEqual(found, [], `import cycles:\n  ${found.join('\n  ')}`);
  });

  it('imports only from its own floor or below (os < auth < store < gateway < config < ui < features, cli)', () => {
    const up: string[] = [];
    for (const [f, deps] of graph)
      for (const d of deps) {
        const a = rel(f);
        const b = rel(d);
        if (floorOf(b) > floorOf(a)) up.push(`${a} -> ${b}`);
        // The CLI runs without VS Code: nothing of ui or features.
        else if (a.startsWith('cli/') && (b.startsWith('ui/') || b.startsWith('features/'))) up.push(`${a} -> ${b}`);
        else if (a.startsWith('features/') && b.startsWith('cli/')) up.push(`${a} -> ${b}`);
      }
    assert.deepEqual(up, [], `imports that run upward:\n  ${up.join('\n  ')}`);
  });

  it('keeps each feature in its room: features import their own files, features/context.ts and lower floors', () => {
    const across: string[] = [];
    for (const [f, deps] of graph)
      for (const d of deps) {
        const a = featureOf(rel(f));
        const b = featureOf(rel(d));
        if (a && b && a !== b) across.push(`${rel(f)} -> ${rel(d)}`);
      }
    assert.deepEqual(across, [], `imports from one feature into another:\n  ${across.join('\n  ')}`);
  });

  it('lets nothing but extension.ts import the owner', () => {
    const owner = path.join(SRC, 'owner.ts');
    const importers = [...graph]
      .filter(([f, deps]) => deps.includes(owner) && rel(f) !== 'extension.ts')
      .map(([f]) => rel(f));
    assert.deepEqual(importers, []);
  });

  it('finds a cycle and an upward import when there is one (the checker itself)', () => {
    const a = path.join(SRC, 'auth', 'x.ts');
    const b = path.join(SRC, 'auth', 'y.ts');
    assert.equal(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ).length,
      1,
    );
    assert.equal(
      cycles(
        new Map([
          [a, [b]],
          [b, []],
        ]),
      ).length,
      0,
    );
    assert.ok(floorOf('store/x.ts') > floorOf('auth/x.ts'));
    assert.throws(() => floorOf('stray.ts'), /on no floor/);
  });
});
