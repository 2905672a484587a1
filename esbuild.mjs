// Bundles the extension and the CLI into dist/ (vscode external), and copies sql.js's wasm and
// the empty-DB templates next to them. `--production` minifies; `--watch` rebuilds on change.
//
// Four files: dist/extension.js (the activation stub), dist/main.js (the extension proper),
// dist/cli.js (the CLI) and dist/core.js (every module main.js and cli.js both use: the store,
// the auth model, sql.js, zod, json5). A module the two share is bundled once, into core.js,
// and main.js and cli.js require it from there, so the package ships no module twice and both
// see one instance of it. core.js exports each shared module as its own namespace, keyed by its
// path under src/, so no two modules' exports can collide. The build refuses to write a bundle
// when a module ends up both in core.js and in main.js or cli.js.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { patchJson5 } from './scripts/lib/json5-native.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const ROOT = path.dirname(new URL(import.meta.url).pathname);

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  // ws's optional native add-ons: ws falls back to JS when they are absent.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  // Prefer ESM entry points so esbuild can tree-shake them (zod/mini in particular).
  mainFields: ['module', 'main'],
};

function copyAssets() {
  fs.mkdirSync('dist/templates', { recursive: true });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
  for (const f of ['shared.sqlite.gz', 'agent.sqlite.gz'])
    fs.copyFileSync(path.join('src/store/templates', f), path.join('dist/templates', f));
}

/**
 * Two trims that change no behaviour: json5's Unicode tables become regex property escapes
 * (scripts/lib/json5-native.mjs), and `ws` is its client class alone (lib/websocket.js), without
 * the server and stream helpers its ESM wrapper also pulls in. The gateway client only connects.
 */
const trims = {
  name: 'trims',
  setup(build) {
    build.onLoad({ filter: /[\\/]json5[\\/]dist[\\/]index\.mjs$/ }, (args) => ({
      contents: patchJson5(fs.readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
    build.onResolve({ filter: /^ws$/ }, () => ({
      path: path.join(path.dirname(require.resolve('ws/package.json')), 'lib', 'websocket.js'),
    }));
  },
};
common.plugins = [trims];

const ENTRIES = {
  main: 'src/owner.ts', // the owner and everything it needs, loaded by dist/extension.js right after activation
  cli: 'src/cli/main.ts',
};

/** The metafile inputs of a dry run of one entry. */
async function dryRun(entry) {
  const r = await esbuild.build({
    ...common,
    entryPoints: [entry],
    write: false,
    metafile: true,
    logLevel: 'silent',
    outfile: 'dist/x.js',
  });
  return r.metafile.inputs;
}

/**
 * The modules core.js holds: every module main.js needs that does not import vscode (directly or
 * through another module), which includes every module the CLI shares with the extension. Closed
 * under imports, so the npm packages they use are bundled into core.js alone. Modules only the
 * CLI uses stay in cli.js; modules that import vscode stay in main.js.
 */
async function sharedModules() {
  const [main, cli] = await Promise.all([dryRun(ENTRIES.main), dryRun(ENTRIES.cli)]);
  const src = Object.keys(main).filter((f) => f.startsWith('src/') && f.endsWith('.ts'));
  const ui = new Set();
  for (let changed = true; changed;) {
    changed = false;
    for (const f of src) {
      if (ui.has(f)) continue;
      if (main[f].imports.some((i) => i.path === 'vscode' || ui.has(i.path))) {
        ui.add(f);
        changed = true;
      }
    }
  }
  const modules = src.filter((f) => !ui.has(f) && f !== ENTRIES.main && f !== ENTRIES.cli).sort();
  const uiInCli = Object.keys(cli).filter((f) => f.startsWith('src/') && ui.has(f));
  if (uiInCli.length) throw new Error(`esbuild.mjs: the CLI bundles modules that import vscode: ${uiInCli.join(', ')}`);
  return modules;
}

const keyOf = (file) => file.replace(/^src\//, '').replace(/\.ts$/, '');

/** dist/core.js: `exports.modules[key]` is the namespace of src/<key>.ts. */
function coreBuild(modules) {
  const lines = modules.map((f, i) => `import * as m${i} from ${JSON.stringify('./' + f)};`);
  lines.push(`export const modules = {${modules.map((f, i) => `${JSON.stringify(keyOf(f))}: m${i}`).join(', ')}};`);
  return {
    ...common,
    stdin: { contents: lines.join('\n'), resolveDir: ROOT, sourcefile: 'core-entry.ts', loader: 'ts' },
    outfile: 'dist/core.js',
  };
}

/** Resolves relative imports of shared modules to `require('./core.js').modules[key]`. */
function useCore(modules) {
  const set = new Set(modules.map((f) => path.join(ROOT, f)));
  return {
    name: 'use-core',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        if (args.namespace === 'core-ref') return { path: './core.js', external: true };
        const base = path.resolve(args.resolveDir, args.path);
        for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
          if (set.has(c))
            return { path: keyOf(path.relative(ROOT, c).split(path.sep).join('/')), namespace: 'core-ref' };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'core-ref' }, (args) => ({
        contents: `module.exports = require('./core.js').modules[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

const shared = await sharedModules();
const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  coreBuild(shared),
  {
    ...common,
    entryPoints: [ENTRIES.main],
    outfile: 'dist/main.js',
    plugins: [trims, useCore(shared)],
  },
  {
    ...common,
    entryPoints: [ENTRIES.cli],
    outfile: 'dist/cli.js',
    plugins: [trims, useCore(shared)],
    banner: { js: '#!/usr/bin/env node' },
  },
];

/** Files that ended up in core.js and also in main.js or cli.js (would ship twice). */
function duplicates(results) {
  const inputs = (r) => {
    const out = new Set();
    for (const o of Object.values(r.metafile?.outputs ?? {}))
      for (const [f, v] of Object.entries(o.inputs)) if (v.bytesInOutput > 0) out.add(f);
    return out;
  };
  const core = inputs(results[1]);
  const out = [];
  for (const i of [2, 3]) for (const f of inputs(results[i])) if (core.has(f)) out.push(`${f} (${builds[i].outfile})`);
  return out;
}

copyAssets();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  for (const b of builds) b.metafile = true;
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  const dup = duplicates(results);
  if (dup.length) {
    console.error(
      `esbuild.mjs: modules bundled into dist/core.js and again into another bundle:\n  ${dup.join('\n  ')}\nImport them from a module under src/ that both entries share, or add them to core.`,
    );
    process.exit(1);
  }
  fs.chmodSync('dist/cli.js', 0o755);
  if (process.argv.includes('--analyze')) {
    for (const r of results.slice(1)) console.log(await esbuild.analyzeMetafile(r.metafile, { verbose: false }));
  }
}
