// The flows a user goes through in the real workbench (code-server in headless Chromium), each
// with screenshots. State: a temp copy of the multi-agent fixture (agents main + work; main has
// anthropic:manual (token) and openrouter:manual (api key), inherited by work; work has its own
// openrouter:work and a stored order openrouter:work → openrouter:manual).
//
// The tests share one workbench and one state dir and run in this order: open the view, add a
// key, drag and drop, remove + undo, status bar tooltip. Each one opens what it needs itself
// (view, expanded agent), so each also runs alone with --grep; only the expectations about
// counts in the status tooltip depend on what ran before (they are read, not hard-coded).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/vscode-host.mjs';

import { CONTAINER, EXTENSION_ID, openView as openViewVia, profilesOf, until } from './openclawView.mjs';

/** Opens the OpenClaw view the way a new user does, from its activity bar icon. */
const openView = (wb) => openViewVia(wb, { via: 'activityBar' });

const describe = (rows) => rows.map((r) => `${r.label} [${r.description}]`).join(', ');

export const tests = [
  {
    name: 'open the OpenClaw view from the activity bar: agents, providers, profiles with status and source',
    async fn({ wb, page, screenshot }) {
      await wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status').waitFor({ state: 'visible', timeout: 60_000 });
      const icon = wb.activityBarItem('OpenClaw');
      await icon.waitFor({ state: 'visible' });
      await openView(wb);
      await page.waitForTimeout(300);
      await screenshot('1-view-open');

      const items = await wb.treeItems(CONTAINER);
      const agents = items.filter((x) => x.level === 1).map((x) => x.label);
      if (agents.join(',') !== 'Agent main,Agent work') throw new Error(`agents: ${agents.join(', ')}`);
      if (!/\d+ providers · in status bar$/.test(items.find((x) => x.label === 'Agent main').description))
        throw new Error('agent main is not marked as the one in the status bar');
      for (const [agent, provider] of [
        ['main', 'anthropic'],
        ['main', 'openrouter'],
        ['work', 'anthropic'],
        ['work', 'openrouter'],
      ]) {
        const p = items.find((x) => x.agent === `Agent ${agent}` && x.level === 2 && x.label === provider);
        if (!p) throw new Error(`no provider ${provider} under agent ${agent}`);
        if (!/^\d+ of \d+ usable/.test(p.description))
          throw new Error(`provider ${provider} (${agent}) description: ${p.description}`);
      }
      // A provider whose profiles all come from main's shared store is collapsed under agent work.
      const shared = items.find((x) => x.agent === 'Agent work' && x.level === 2 && x.label === 'anthropic');
      if (!/shared from main$/.test(shared.description) || shared.expanded !== false)
        throw new Error(
          `work/anthropic (all shared from main) is not shown compactly: ${shared.description} expanded=${shared.expanded}`,
        );
      // Profile rows: "<status> · <type>", status first so a narrow sidebar still shows it.
      const expect = [
        ['main', 'anthropic', 'anthropic:manual', /^ok, \d+d left · token$/],
        ['main', 'openrouter', 'openrouter:manual', /^ok · API key$/],
        ['work', 'openrouter', 'openrouter:work', /^ok · API key$/],
        ['work', 'openrouter', 'openrouter:manual', /^ok · API key$/],
      ];
      for (const [agent, provider, id, re] of expect) {
        const row = (await profilesOf(wb, agent, provider)).find((r) => r.label === id);
        if (!row) throw new Error(`no profile ${id} under ${agent}/${provider}`);
        if (!re.test(row.description))
          throw new Error(`${agent}/${id} description "${row.description}" does not match ${re}`);
      }
      // The tooltip of a profile row names its type, status and where it is saved.
      await (await wb.treeRow(CONTAINER, 'Agent work', 'openrouter:work')).locator('.label-name').hover();
      const hover = wb.hover();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      const tip = (await hover.innerText()).replace(/\s+/g, ' ');
      if (!/openrouter:work — API key · ok/.test(tip) || !/Saved for this agent · tried 1st of 2/.test(tip))
        throw new Error(`profile tooltip: ${tip}`);
      await page.waitForTimeout(300);
      await screenshot('2-profile-tooltip');
      await page.mouse.move(900, 600);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'add an API key from the command palette: provider groq, profile id groq:manual, masked key',
    async fn({ wb, page, screenshot }) {
      // Fake, random per run; the leak check knows the shape (contains "fake"). Never printed.
      const key = `gsk_e2e-fake-${crypto.randomBytes(18).toString('hex')}`;
      await openView(wb);
      const quick = page.locator('.quick-input-widget');
      const input = quick.locator('.quick-input-box input');
      const title = quick.locator('.quick-input-title');

      await wb.runCommand('OpenClaw: Add API Key');
      // Two agents: first "Which agent?". One title, with VS Code's step counter.
      await until(
        page,
        async () => /^Add API Key \(1\/4\)$/.test(await title.innerText().catch(() => '')),
        'the agent picker',
      );
      await quick.locator('.monaco-list-row', { hasText: /^main/ }).first().waitFor();
      await input.fill('main');
      await page.keyboard.press('Enter');

      // Provider: pick or type.
      await until(
        page,
        async () => /^Add API Key \(2\/4\)$/.test(await title.innerText().catch(() => '')),
        'the provider picker',
      );
      await input.fill('groq');
      await quick.locator('.monaco-list-row', { hasText: 'groq' }).first().waitFor();
      await screenshot('3-add-key-provider');
      await page.keyboard.press('Enter');

      // Profile ID: suggested groq:manual, accepted as it is.
      await until(
        page,
        async () => /^Add API Key \(3\/4\)$/.test(await title.innerText().catch(() => '')),
        'the profile ID box',
      );
      const suggested = await input.inputValue();
      if (suggested !== 'groq:manual') throw new Error(`suggested profile id "${suggested}", expected groq:manual`);
      await screenshot('4-add-key-profile-id');
      await page.keyboard.press('Enter');

      // The key: a password box.
      await until(
        page,
        async () => /^Add API Key \(4\/4\)$/.test(await title.innerText().catch(() => '')),
        'the key box',
      );
      if ((await input.getAttribute('type')) !== 'password') throw new Error('the key box is not a password input');
      await input.pressSequentially(key, { delay: 2 });
      await screenshot('5-add-key-masked');
      await page.keyboard.press('Enter');

      const note = await wb.notification('Saved API key groq:manual.');
      if (!note.includes('Saved API key groq:manual.')) throw new Error(`notification: ${note}`);
      await until(
        page,
        async () => (await profilesOf(wb, 'main', 'groq')).some((r) => r.label === 'groq:manual'),
        'groq:manual in the tree',
      );
      const row = (await profilesOf(wb, 'main', 'groq')).find((r) => r.label === 'groq:manual');
      if (!/^ok · API key$/.test(row.description)) throw new Error(`groq:manual description: ${row.description}`);
      await page.waitForTimeout(300);
      await screenshot('6-add-key-saved');

      // The key is nowhere in the page: text, input values (the password box is reused), attributes.
      const leaked = await page.evaluate((k) => {
        if (document.body.innerText.includes(k)) return 'body text';
        for (const e of document.querySelectorAll('input, textarea'))
          if (e.value.includes(k)) return `an input value (${e.type})`;
        if (document.documentElement.outerHTML.includes(k)) return 'the HTML';
        return '';
      }, key);
      if (leaked) throw new Error(`the typed key is in the page: ${leaked}`);
      if ((await wb.domText()).includes(key)) throw new Error('the typed key is in the DOM text');
    },
  },
  {
    name: 'reorder by drag and drop (agent work: openrouter:manual onto openrouter:work), then back with Alt+Down',
    async fn({ wb, page, screenshot }) {
      await openView(wb);
      await wb.clearNotifications();
      const before = await profilesOf(wb, 'work', 'openrouter');
      if (before.map((r) => r.label).join(',') !== 'openrouter:work,openrouter:manual')
        throw new Error(`order before: ${describe(before)}`);
      await screenshot('7-dnd-before');

      // A real mouse drag: the workbench list uses HTML5 drag and drop, which Playwright's mouse
      // drives in Chromium (it intercepts the drag and replays dragenter/dragover/drop).
      const src = (await wb.treeRow(CONTAINER, 'Agent work', 'openrouter:manual')).locator('.label-name');
      const dst = (await wb.treeRow(CONTAINER, 'Agent work', 'openrouter:work')).locator('.label-name');
      const a = await src.boundingBox();
      const b = await dst.boundingBox();
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.mouse.down();
      await page.mouse.move(a.x + a.width / 2 + 5, a.y + a.height / 2 - 3, { steps: 3 });
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
      await screenshot('8-dnd-dragging');
      await page.mouse.up();

      await until(
        page,
        async () => {
          const rows = await profilesOf(wb, 'work', 'openrouter');
          return rows.map((r) => r.label).join(',') === 'openrouter:manual,openrouter:work' ? rows : undefined;
        },
        'the new order openrouter:manual, openrouter:work',
      );
      const note = await wb.notification('Order for openrouter: openrouter:manual → openrouter:work.');
      if (!/Undo/.test(note)) throw new Error(`order notification without Undo: ${note}`);
      // Only agent work's order changed; main's openrouter is untouched.
      const main = await profilesOf(wb, 'main', 'openrouter');
      if (main.map((r) => r.label).join(',') !== 'openrouter:manual')
        throw new Error(`main openrouter: ${describe(main)}`);
      await screenshot('9-dnd-after');

      // The keyboard path back: select openrouter:manual, Alt+Down ("OpenClaw: Move Down").
      await wb.clearNotifications();
      await (await wb.treeRow(CONTAINER, 'Agent work', 'openrouter:manual')).locator('.label-name').click();
      await page.keyboard.press('Alt+ArrowDown');
      await until(
        page,
        async () =>
          (await profilesOf(wb, 'work', 'openrouter')).map((r) => r.label).join(',') ===
          'openrouter:work,openrouter:manual',
        'Alt+Down to restore openrouter:work, openrouter:manual',
      );
      await wb.notification('Order for openrouter: openrouter:work → openrouter:manual.');
      await screenshot('9b-alt-down');
    },
  },
  {
    name: 'remove a profile from its context menu, confirm "Remove", then Undo in the notification',
    async fn({ wb, page, screenshot }) {
      await openView(wb);
      await wb.clearNotifications();
      const id = 'openrouter:work';
      const before = await profilesOf(wb, 'work', 'openrouter');
      const had = before.find((r) => r.label === id);
      if (!had) throw new Error(`no ${id} under work/openrouter: ${describe(before)}`);

      await (await wb.treeRow(CONTAINER, 'Agent work', id)).click({ button: 'right' });
      await page.locator('.context-view .monaco-menu').waitFor({ state: 'visible' });
      await page.waitForTimeout(300);
      await screenshot('10-remove-context-menu');
      await wb.contextMenuItem('Remove Profile');

      // The confirmation: Keep first (Enter keeps); Remove is picked on purpose.
      const quick = page.locator('.quick-input-widget');
      await until(
        page,
        async () =>
          (
            await quick
              .locator('.quick-input-title')
              .innerText()
              .catch(() => '')
          ).includes(`Remove ${id} (agent work)?`),
        'the remove confirmation',
      );
      await page.waitForTimeout(300);
      await screenshot('11-remove-confirm');
      await quick
        .locator('.quick-input-list .monaco-list-row', { hasText: /^Remove/ })
        .first()
        .click();
      await quick.waitFor({ state: 'hidden' });

      await until(
        page,
        async () => !(await profilesOf(wb, 'work', 'openrouter')).some((r) => r.label === id),
        `${id} to disappear`,
      );
      const note = await wb.notification(`Removed ${id}.`);
      if (!/Undo/.test(note)) throw new Error(`removal notification without Undo: ${note}`);
      await screenshot('12-removed');

      await wb.notificationButton(`Removed ${id}.`, 'Undo');
      await until(
        page,
        async () => (await profilesOf(wb, 'work', 'openrouter')).some((r) => r.label === id),
        `${id} to come back`,
      );
      await wb.notification(`Undid: removal of ${id}`);
      const back = await profilesOf(wb, 'work', 'openrouter');
      if (
        back.map((r) => `${r.label} ${r.description}`).join(',') !==
        before.map((r) => `${r.label} ${r.description}`).join(',')
      )
        throw new Error(`after undo: ${describe(back)}; before: ${describe(before)}`);
      await screenshot('13-undone');
    },
  },
  {
    name: 'the status bar item: an expiring token written from outside shows up; hover lists counts and attention items',
    async fn({ wb, page, screenshot, stateDir, home }) {
      await openView(wb);
      await wb.clearNotifications();
      const item = wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status');
      await item.waitFor({ state: 'visible' });

      // An attention item: a setup token for agent main that expires in 3 h, saved by the CLI
      // (outside VS Code); the file watcher brings it into the tree and the status bar.
      const id = 'anthropic:e2e-expiring';
      const token = `sk-ant-oat01-fake-e2e-${crypto.randomBytes(40).toString('hex')}`;
      const r = spawnSync(
        process.execPath,
        [
          path.join(ROOT, 'dist', 'cli.js'),
          'add-token',
          '--state-dir',
          stateDir,
          '--agent',
          'main',
          '--provider',
          'anthropic',
          '--profile-id',
          id,
          '--expires-in',
          '3h',
        ],
        { input: `${token}\n`, encoding: 'utf8', env: { ...process.env, HOME: home, OPENCLAW_STATE_DIR: stateDir } },
      );
      if (r.status !== 0) throw new Error(`openclaw-auth add-token exited ${r.status}`);
      await until(
        page,
        async () =>
          (await profilesOf(wb, 'main', 'anthropic')).some((x) => x.label === id && /expires in/.test(x.description)),
        `${id} (expires in …) in the tree`,
      );

      const main = (await wb.treeItems(CONTAINER)).filter((x) => x.agent === 'Agent main' && x.level === 3);
      const ok = main.filter((x) => /^ok\b/.test(x.description)).length;
      const expiring = main.filter((x) => /expires in/.test(x.description)).length;
      // The one health model: an expiring token is ok-but-needs-attention, so "N ok, M need(s) attention".
      const words = new RegExp(`^OpenClaw: ${ok} ok, ${expiring} needs? attention`);
      await until(
        page,
        async () => words.test((await item.innerText()).replace(/\s+/g, ' ').trim()),
        `the status bar text matching ${words}`,
      );
      const text = (await item.innerText()).replace(/\s+/g, ' ').trim();
      // Warning background (statusBarItem.warningBackground): the workbench marks the item warning-kind.
      if (!/\bwarning-kind\b/.test((await item.getAttribute('class')) ?? ''))
        throw new Error('the status bar item has no warning background');
      await page.mouse.move(900, 400);
      await page.waitForTimeout(300);
      await screenshot('14-status-warning');

      await item.hover();
      const hover = wb.hover();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(400);
      const tip = (await hover.innerText()).replace(/\s+/g, ' ').trim();
      await screenshot('15-status-tooltip');
      if (!tip.includes('OpenClaw credentials — agent main'))
        throw new Error(`status tooltip does not name the agent: ${tip}`);
      const counts = new RegExp(`${ok} ok, ${expiring} needs? attention`);
      if (!counts.test(tip))
        throw new Error(`status tooltip counts do not match the tree (${ok} ok, ${expiring} expiring): ${tip}`);
      if (!new RegExp(`${id} expires in \\d+h`).test(tip) || !/Replace/.test(tip))
        throw new Error(`status tooltip does not list the expiring token: ${tip}`);
      process.stdout.write(`      status bar: "${text}"; tooltip: ${tip.slice(0, 300)}\n`);
      await page.mouse.move(900, 400);
    },
  },
];
