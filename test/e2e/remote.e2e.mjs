// Issue 15 in the real workbench: a remote OpenClaw gateway used by mouse and keyboard. A real
// openclaw 2026.9.6 gateway runs on its own HOME (a copy of the basic fixture, its own token) and
// loopback port, reached by the extension only through its URL, as "home server":
//   - Add Remote Gateway from the palette, its three inputs answered with the keyboard; the
//     notification, the two roots ("This machine", "home server") with the remote's agent main,
//     providers and profiles, the root's tooltip, the status bar item;
//   - keyboard only on a remote profile row: Alt+Down moves it (the gateway's order), Shift+F10
//     lists what works on a remote and not what does not;
//   - the gateway killed: "Unreachable, retrying: …" under its root, the status bar says so;
//   - Remove Remote Gateway: the tree is back to this machine's agents, for the files after this.
// State: the multi-agent fixture (this machine), after flows.e2e.mjs ran (or alone). The tests
// build on each other (run them together). The gateway is started by prepare(), which run.mjs
// calls before the workbench starts, so its 20-50 s start overlaps the files before this one; it
// is killed (process group) by the last test or at exit, and its output is in
// out/e2e-logs/remote-gateway.log.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { resolvePaths } from '../../scripts/install-openclaw.mjs';
import { FIXTURES, ROOT, freePort, registerCleanup } from '../../scripts/lib/vscode-host.mjs';
import { CONTAINER, EXTENSION_ID, until } from './openclawView.mjs';

const NAME = 'home server';
// Fake, random per run; the leak check knows the shape (contains "fake"). Never printed.
const TOKEN = `e2e-fake-remote-token-${crypto.randomBytes(20).toString('hex')}`;

/** The remote gateway: { port, url, pid, home, exited, alive() } once spawned. */
let gw;
/** Set once Add Remote Gateway connected it (the tests after the first need it). */
let added = false;
/** startGateway() once: begun by prepare() (run.mjs calls it before the workbench starts), awaited by the tests. */
let ready;
const gateway = () => {
  if (!ready) {
    ready = startGateway();
    ready.catch(() => {}); // awaited (and reported) by the first test
  }
  return ready;
};

/** The gateway takes 20-50 s to start: run.mjs starts it while the workbench starts and the files before run. */
export function prepare() {
  void gateway();
}

function killGateway() {
  if (!gw?.alive()) return;
  try {
    process.kill(-gw.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Starts `openclaw gateway run` (Node 24 and openclaw from the test cache) on a copy of the basic
 * fixture's home, without its own gateway token (the token comes from OPENCLAW_GATEWAY_TOKEN), in
 * its own process group; resolves once /readyz answers 200. Its output goes to
 * out/e2e-logs/remote-gateway.log (scanned by the leak check).
 */
async function startGateway() {
  const paths = resolvePaths();
  for (const f of [paths.node, paths.openclawMjs])
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run node scripts/install-openclaw.mjs`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-e2e-remote-'));
  fs.cpSync(path.join(FIXTURES, 'basic', 'home'), home, { recursive: true });
  tsxRequire('../helpers/clock.ts', import.meta.url).shiftFixtureClock(home, 'basic');
  const configPath = path.join(home, '.openclaw', 'openclaw.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  delete config.gateway.auth.token; // a SecretRef into the fixture's store; this remote takes TOKEN
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  fs.mkdirSync(path.join(home, 'tmp'));
  const port = await freePort();
  const env = {
    HOME: home,
    PATH: [paths.nodeBinDir, '/usr/bin', '/bin'].join(path.delimiter),
    TMPDIR: path.join(home, 'tmp'),
    npm_config_offline: 'true',
    OPENCLAW_GATEWAY_TOKEN: TOKEN,
  };
  const logDir = path.join(ROOT, 'out', 'e2e-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFd = fs.openSync(path.join(logDir, 'remote-gateway.log'), 'w');
  const args = ['gateway', 'run', '--bind', 'loopback', '--auth', 'token', '--port', String(port)];
  const child = spawn(paths.node, [paths.openclawMjs, ...args, '--allow-unconfigured'], {
    cwd: home,
    env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  let dead = false;
  const exited = new Promise((resolve) => child.on('exit', () => resolve((dead = true))));
  gw = { port, url: `ws://127.0.0.1:${port}`, pid: child.pid, home, exited, alive: () => !dead };
  registerCleanup(() => {
    killGateway();
    fs.rmSync(home, { recursive: true, force: true });
  });
  // Its start takes 20-50 s alone, longer beside the workbench on a busy machine; the test that
  // awaits this has its own limit.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (dead) throw new Error('the remote gateway exited before it was ready (out/e2e-logs/remote-gateway.log)');
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      killGateway();
      throw new Error(
        'the remote gateway did not answer /readyz with 200 within 180 s (out/e2e-logs/remote-gateway.log)',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopGateway() {
  if (!gw) return;
  killGateway();
  await Promise.race([gw.exited, new Promise((r) => setTimeout(r, 5000))]);
}

/** The tree's level-1 labels (the gateway roots, or the agents without remotes). */
const roots = async (wb) => (await wb.treeItems(CONTAINER)).filter((x) => x.level === 1).map((x) => x.label);

/** The rows under the root `root` (level 2 agents, 3 providers, 4 profiles), in display order. */
const under = async (wb, root) => (await wb.treeItems(CONTAINER)).filter((x) => x.agent === root && x.level > 1);

/** The profile rows of `provider` under the remote's agent main, in display order. */
async function remoteProfiles(wb, provider) {
  const out = [];
  let agent = '';
  let prov = '';
  for (const it of await under(wb, NAME)) {
    if (it.level === 2) agent = it.label;
    else if (it.level === 3) prov = it.label;
    else if (it.level === 4 && agent === 'Agent main' && prov === provider) out.push(it);
  }
  return out;
}
const remoteOrder = async (wb) => (await remoteProfiles(wb, 'openrouter')).map((r) => r.label).join(',');

const remoteItem = (wb) => wb.statusBarItem(EXTENSION_ID, 'openclawAuth.remoteGateway');

/** Shows the view with the palette, gives its tree the keyboard focus; the side bar wide. */
async function showView(wb) {
  await wb.page.mouse.move(900, 400);
  await wb.runCommand('OpenClaw: Show Credential Status');
  await wb.page.locator(`[id="workbench.view.extension.${CONTAINER}"]`).waitFor({ state: 'visible' });
  await wb.setSideBarWidth(620);
}

async function focusTree(wb) {
  await wb.runCommand('OpenClaw: Show Credential Status');
  await until(
    wb.page,
    () =>
      wb.page.evaluate(
        (id) => Boolean(document.activeElement?.closest(`[id="${id}"] .monaco-list`)),
        `workbench.view.extension.${CONTAINER}`,
      ),
    'the tree to take the keyboard focus',
  );
}

/**
 * Moves the keyboard focus with End and ↑ (the remote's rows are last) to the profile row `label`
 * under the root `root`; returns it.
 */
async function focusRemoteRow(wb, root, label) {
  const page = wb.page;
  await page.keyboard.press('End');
  for (let i = 0; i < 80; i++) {
    const f = await wb.focusedTreeRow(CONTAINER);
    const it = f && (await wb.treeItems(CONTAINER)).find((x) => x.index === f.index);
    if (it && it.agent === root && it.label === label) return { ...it, selected: f.selected };
    if (it && it.level === 1 && it.label !== root) break;
    await page.keyboard.press('ArrowUp');
    await page.waitForTimeout(60);
  }
  throw new Error(`the arrow keys never reached "${label}" under "${root}"`);
}

/**
 * The safety net of the last test: when openclawAuth.remoteGateways is still in the settings
 * (Remove Remote Gateway failed or never ran), it is deleted from the settings files (as
 * themes.e2e.mjs changes settings; the extension's global update lands in the server's Machine
 * settings under code-server) and the tree is waited for without remotes.
 */
async function dropRemoteSetting(wb, home) {
  let changed = false;
  for (const scope of ['Machine', 'User']) {
    const file = path.join(path.dirname(home), 'ud', scope, 'settings.json');
    let settings;
    try {
      settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // none (or not plain JSON: not written by this run's tests)
    }
    const list = settings['openclawAuth.remoteGateways'];
    if (!Array.isArray(list) || !list.length) continue;
    delete settings['openclawAuth.remoteGateways'];
    fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
    changed = true;
  }
  if (!changed) return;
  await wb.page.reload();
  await wb.ready();
  await showView(wb);
  await until(
    wb.page,
    async () => {
      const r = await roots(wb);
      return r.length && !r.includes('This machine');
    },
    'the tree without remotes',
    30_000,
  );
}

/** The text of the visible hover widget, or '' (never waits for one). */
async function hoverText(wb) {
  const h = wb.hover();
  if (!(await h.count())) return '';
  return (await h.innerText({ timeout: 1000 }).catch(() => '')).replace(/\s+/g, ' ').trim();
}

/**
 * Moves the mouse onto `target` (from outside, in steps, as a hand does) until a hover whose text
 * matches `re` shows; returns that text. A hover left from before can swallow the first attempt.
 */
async function hoverTip(wb, target, re, what) {
  const page = wb.page;
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(900, 400);
    await page.keyboard.press('Escape');
    const box = await target.boundingBox();
    if (!box) throw new Error(`${what}: its element is not visible`);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 4, y, { steps: 4 });
    await page.mouse.move(box.x + Math.min(60, box.width / 2), y, { steps: 4 });
    try {
      return await until(
        page,
        async () => {
          const t = await hoverText(wb);
          return re.test(t) && t;
        },
        what,
        5000,
      );
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

/**
 * Runs a palette command that opens a quick input of its own and waits for that input's title
 * (wb.runCommand would wait for the palette to close, which it does not: the command's input
 * takes its place).
 */
async function runToInput(wb, label, title) {
  const page = wb.page;
  const input = wb.quickInput().locator('.quick-input-box input');
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await until(page, async () => title.test(await wb.quickInputTitle()), `"${label}" to ask (title ${title})`);
}

export const tests = [
  {
    name: 'Add Remote Gateway by keyboard: a real gateway as "home server", two roots with its agent, providers and profiles, its tooltip and status bar item',
    async fn({ wb, page, screenshot }) {
      await gateway();
      await wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status').waitFor({ state: 'visible', timeout: 60_000 });
      await showView(wb);
      await wb.clearNotifications();
      const input = wb.quickInput().locator('.quick-input-box input');
      const titled = (re, what) => until(page, async () => re.test(await wb.quickInputTitle()), what);

      await runToInput(wb, 'OpenClaw: Add Remote Gateway', /^Add Remote Gateway \(1\/3\)$/);
      await input.pressSequentially(gw.url, { delay: 5 });
      await page.keyboard.press('Enter');
      await titled(/^Add Remote Gateway \(2\/3\)$/, 'step 2/3 (name)');
      await until(page, async () => (await input.inputValue()) === '127.0.0.1', 'the host suggested as the name');
      await page.keyboard.press('ControlOrMeta+A');
      await input.pressSequentially(NAME, { delay: 5 });
      await page.keyboard.press('Enter');
      await titled(/^Add Remote Gateway \(3\/3\)$/, 'step 3/3 (token)');
      if ((await input.getAttribute('type')) !== 'password') throw new Error('the token box is not a password input');
      await input.pressSequentially(TOKEN, { delay: 1 });
      await page.keyboard.press('Enter');

      await wb.notification(`${NAME}: connected (openclaw 2026.9.6, protocol 4).`);
      added = true;
      await until(page, async () => (await roots(wb)).join(',') === `This machine,${NAME}`, 'the two gateway roots');
      const rootRow = (await wb.treeItems(CONTAINER)).find((x) => x.level === 1 && x.label === NAME);
      if (!new RegExp(`^${gw.url.replace(/\./g, '\\.')} · connected · \\d+ profiles$`).test(rootRow.description))
        throw new Error(`the remote root's description: ${rootRow.description}`);
      await until(page, async () => (await remoteProfiles(wb, 'openrouter')).length >= 2, 'the remote openrouter rows');
      const rows = await under(wb, NAME);
      if (!rows.some((x) => x.level === 2 && x.label === 'Agent main'))
        throw new Error(`no agent main under ${NAME}: ${rows.map((x) => x.label).join(', ')}`);
      for (const provider of ['anthropic', 'openrouter'])
        if (!rows.some((x) => x.level === 3 && x.label === provider))
          throw new Error(`no provider ${provider} under ${NAME}: ${rows.map((x) => x.label).join(', ')}`);
      // The basic fixture's stored openrouter order, as the remote gateway reports it.
      if (!(await remoteOrder(wb)).startsWith('openrouter:backup,openrouter:manual'))
        throw new Error(`remote openrouter order: ${await remoteOrder(wb)}`);
      await page.waitForTimeout(300);
      await screenshot('remote-tree');

      // The remote root's tooltip, by mouse.
      const tip = await hoverTip(
        wb,
        await wb.treeRow(CONTAINER, NAME, NAME),
        /Connection: connected \(openclaw 2026\.9\.6, protocol 4\)/,
        "the remote root's tooltip",
      );
      if (!/Setup tokens, SecretRef profiles, OAuth sign-in.*not available on a remote gateway/.test(tip))
        throw new Error(`the tooltip does not say what is not available there: ${tip}`);
      await page.waitForTimeout(300);
      await screenshot('remote-tooltip');

      // The status bar item of the selected remote, and its tooltip.
      const item = remoteItem(wb);
      await until(page, async () => /home server: connected/.test(await item.innerText()), 'the status bar item');
      const statusTip = await hoverTip(
        wb,
        item,
        /^Remote OpenClaw gateway home server \(ws:/,
        "the status bar item's tooltip",
      );
      if (!/: connected \(openclaw 2026\.9\.6, protocol 4\)\. Click for its actions\.$/.test(statusTip))
        throw new Error(`status bar tooltip: ${statusTip}`);
      await page.waitForTimeout(300);
      await screenshot('remote-status-bar');
      await page.mouse.move(900, 400);
      if ((await wb.domText()).includes(TOKEN)) throw new Error('the token is in the page');
    },
  },
  {
    name: 'keyboard only on a remote profile row: Alt+Down moves it on the gateway; Shift+F10 lists Remove Profile and Move, not Paste Setup Token',
    async fn({ wb, page, screenshot }) {
      if (!added || !gw?.alive())
        throw new Error('the remote gateway was not added and running (the test before failed)');
      await wb.clearNotifications();
      const before = await remoteOrder(wb);
      if (!before.startsWith('openrouter:backup,openrouter:manual')) throw new Error(`order before: ${before}`);
      await focusTree(wb);
      const f = await focusRemoteRow(wb, NAME, 'openrouter:backup');
      if (f.level !== 4) throw new Error(`focused ${JSON.stringify(f)}`);
      await page.keyboard.press('Alt+ArrowDown');
      const expected = before.replace('openrouter:backup,openrouter:manual', 'openrouter:manual,openrouter:backup');
      await until(
        page,
        async () => (await remoteOrder(wb)) === expected,
        `Alt+Down to make the order ${expected}`,
        20_000,
      );
      await wb.notification(`Saved the openrouter order on ${NAME}; openrouter:default now tried too.`);
      await screenshot('remote-alt-down');

      // Shift+F10 on the moved row (now in the middle or last).
      await wb.clearNotifications();
      await focusTree(wb);
      await focusRemoteRow(wb, NAME, 'openrouter:backup');
      await page.keyboard.press('Shift+F10');
      const menu = page.locator('.context-view .monaco-menu');
      await menu.waitFor({ state: 'visible' });
      await page.waitForTimeout(300);
      await screenshot('remote-profile-menu');
      const items = (await menu.locator('.action-item .action-label').allInnerTexts())
        .map((t) => t.trim())
        .filter(Boolean);
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'hidden' });
      const last = expected.endsWith('openrouter:backup');
      for (const want of ['Remove Profile', 'Move Up', ...(last ? [] : ['Move Down']), 'Copy Profile ID'])
        if (!items.includes(want))
          throw new Error(`"${want}" missing from the remote profile menu: ${items.join(', ')}`);
      for (const not of [
        'Paste Setup Token',
        'Reveal Database in File Manager',
        'Open Database Folder in New Window',
        'Copy Database Path',
        'Copy Pin Command',
        'Replace Credential',
      ])
        if (items.includes(not)) throw new Error(`"${not}" is in the remote profile menu: ${items.join(', ')}`);
    },
  },
  {
    name: 'the remote gateway killed: its root shows "Unreachable, retrying: …", the status bar item says unreachable',
    async fn({ wb, page, screenshot }) {
      if (!added || !gw?.alive())
        throw new Error('the remote gateway was not added and running (a test before failed)');
      await wb.clearNotifications();
      await stopGateway();
      await until(
        page,
        async () => (await under(wb, NAME)).find((x) => x.level === 2 && /^Unreachable, retrying: /.test(x.label)),
        `"Unreachable, retrying: …" under ${NAME}`,
        20_000,
      );
      if ((await under(wb, NAME)).length !== 1)
        throw new Error(`rows under ${NAME}: ${(await under(wb, NAME)).map((x) => x.label).join(', ')}`);
      await until(
        page,
        async () => /home server: unreachable/.test(await remoteItem(wb).innerText()),
        'unreachable in the status bar',
      );
      const root = (await wb.treeItems(CONTAINER)).find((x) => x.level === 1 && x.label === NAME);
      if (!/ · unreachable$/.test(root.description)) throw new Error(`the root's description: ${root.description}`);
      await page.waitForTimeout(300);
      await screenshot('remote-unreachable');
    },
  },
  {
    name: 'Remove Remote Gateway (choosing Remove): the tree is back to the agents of this machine, no status bar item',
    async fn({ wb, page, home, screenshot }) {
      try {
        if (!added) throw new Error('nothing to remove: Add Remote Gateway failed');
        await wb.clearNotifications();
        await runToInput(wb, 'OpenClaw: Remove Remote Gateway', new RegExp(`^Remove ${NAME} from the list\\?$`));
        const rows = await wb.quickPickRows();
        const remove = rows.find((r) => /^Remove\b/.test(r.label));
        if (!remove) throw new Error(`no Remove choice: ${JSON.stringify(rows)}`);
        await screenshot('remote-remove-confirm');
        // The safe choice is highlighted first; ↓ to Remove, Enter.
        for (let i = 0; i < rows.length; i++) {
          const active = (await wb.quickPickRows()).find((r) => r.active);
          if (active?.label === remove.label) break;
          await page.keyboard.press('ArrowDown');
        }
        await page.keyboard.press('Enter');
        await wb.notification(`Removed ${NAME} from the remote gateways.`);
        await until(
          page,
          async () => (await roots(wb)).join(',') === 'Agent main,Agent work',
          'the tree back to agents main and work',
        );
        await remoteItem(wb).waitFor({ state: 'hidden' });
        await page.waitForTimeout(300);
        await screenshot('remote-removed');
      } finally {
        await stopGateway();
        if (gw) fs.rmSync(gw.home, { recursive: true, force: true });
        // Whatever happened above, the files after this one must not see a remote.
        await dropRemoteSetting(wb, home);
      }
    },
  },
];
