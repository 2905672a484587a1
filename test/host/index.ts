/**
 * Mocha runner loaded by the VS Code extension host (the `extensionTestsPath` of the payload URL
 * that test/host/harness.mjs opens). Runs every compiled `*.test.js` next to it
 * (out/test/host/**), in the real extension host, with the real `vscode` API.
 *
 * OPENCLAW_AUTH_HOST_GREP (in the host's environment) filters tests by title. The harness
 * forwards what is printed between the lines `host-begin` and
 * `host-result {"passed":N,"failed":N,"pending":N}` (which it reads for its summary).
 */
import fs from 'node:fs';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

/**
 * The extension host replaces Error.prepareStackTrace, so Node does not apply source maps to
 * stacks itself: map the frames of the bundled tests back to test/**\/*.ts (and src/**) here.
 */
function mapStack(stack: string): string {
  return stack.replace(
    /(\(?)((?:file:\/\/)?\/[^():\s]+\.js):(\d+):(\d+)(\)?)/g,
    (whole, open: string, file: string, line: string, col: string, close: string) => {
      try {
        const js = file.startsWith('file:') ? fileURLToPath(file) : file;
        const origin = findSourceMap(js)?.findOrigin(Number(line), Number(col));
        if (!origin || !('fileName' in origin)) return whole;
        const src = origin.fileName.startsWith('file:')
          ? fileURLToPath(origin.fileName)
          : path.resolve(path.dirname(js), origin.fileName);
        return `${open}${src}:${origin.lineNumber}:${origin.columnNumber}${close}`;
      } catch {
        return whole;
      }
    },
  );
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

export function run(): Promise<void> {
  // Stack traces in the .ts sources (the tests are bundled with inline source maps).
  process.setSourceMapsEnabled?.(true);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000 });
  const grep = process.env.OPENCLAW_AUTH_HOST_GREP?.trim();
  if (grep?.startsWith('!')) mocha.grep(grep.slice(1)).invert();
  else if (grep) mocha.grep(grep);
  for (const f of testFiles(__dirname)) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    try {
      console.log('host-begin');
      const runner = mocha.run((failures) => {
        const s = runner.stats ?? { passes: 0, failures, pending: 0 };
        console.log(`host-result ${JSON.stringify({ passed: s.passes, failed: s.failures, pending: s.pending })}`);
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
      runner.on('fail', (_test, err: Error) => {
        if (typeof err?.stack === 'string') err.stack = mapStack(err.stack);
      });
    } catch (e) {
      console.error(e);
      console.log(`host-result ${JSON.stringify({ passed: 0, failed: 1, pending: 0 })}`);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
