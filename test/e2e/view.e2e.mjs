// Issue 12 ("a view people can use") in the real workbench: the add flow (known providers first
// while typing, a custom provider asks first, one title with a step counter, Back, Undo), the
// keyboard on a focused row (Alt+Up, Delete, Shift+F10; the arrow keys move the focus, not the
// selection), Enter on a remove confirmation keeps the profile, and the palette lists only
// commands that can apply. State: the multi-agent fixture, after flows.e2e.mjs ran (or alone).
import crypto from 'node:crypto';
import { CONTAINER, focusRowByKeyboard, openView, profilesOf, until } from './openclawView.mjs';

const order = async (wb) => (await profilesOf(wb, 'work', 'openrouter')).map((r) => r.label).join(',');

/** Gives the tree the keyboard focus the way a keyboard user does: the palette's "Show Credential Status". */
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

export const tests = [
  {
    name: 'add flow: typing "mistr" keeps mistral first; a custom provider asks first; "Add API Key (n/4)" with Back; Undo',
    async fn({ wb, page, screenshot }) {
      const key = `e2e-fake-view-${crypto.randomBytes(16).toString('hex')}`;
      await openView(wb);
      await wb.clearNotifications();
      const input = wb.quickInput().locator('.quick-input-box input');
      const titled = (re, what) => until(page, async () => re.test(await wb.quickInputTitle()), what);

      await wb.runCommand('OpenClaw: Add API Key');
      await titled(/^Add API Key \(1\/4\)$/, 'step 1/4 (agent)');
      await input.fill('main');
      await page.keyboard.press('Enter');

      await titled(/^Add API Key \(2\/4\)$/, 'step 2/4 (provider)');
      await input.fill('mistr');
      const rows = await until(
        page,
        async () => {
          const r = await wb.quickPickRows();
          return r.some((x) => /mistr: not a known provider/.test(x.text)) ? r : undefined;
        },
        'the provider list filtered by "mistr"',
      );
      await page.waitForTimeout(200);
      await screenshot('add-1-provider-mistr');
      if (rows[0]?.label !== 'mistral' || !rows[0].active)
        throw new Error(`first row while "mistr" is typed: ${JSON.stringify(rows)}`);
      if (!/mistr: not a known provider/.test(rows[rows.length - 1].text))
        throw new Error(`the typed provider is not last: ${JSON.stringify(rows)}`);

      // Choose the custom one anyway: it asks, with Back first.
      await wb
        .quickInput()
        .locator('.quick-input-list .monaco-list-row', { hasText: 'mistr: not a known provider' })
        .click();
      const confirm = await until(
        page,
        async () => {
          const r = await wb.quickPickRows();
          return r.some((x) => x.label === 'Back to the provider list') ? r : undefined;
        },
        'the custom provider confirmation',
      );
      await page.waitForTimeout(200);
      await screenshot('add-2-custom-provider-asks');
      if (!confirm[0].active || confirm[0].label !== 'Back to the provider list')
        throw new Error(`confirmation rows: ${JSON.stringify(confirm)}`);
      if (!/^Add API Key \(2\/4\)$/.test(await wb.quickInputTitle()))
        throw new Error(`confirmation title: ${await wb.quickInputTitle()}`);
      await page.keyboard.press('Enter');

      // Back at the list, "mistr" still typed; Enter picks mistral.
      await until(
        page,
        async () => (await input.inputValue()) === 'mistr' && (await wb.quickPickRows())[0]?.label === 'mistral',
        'the list again with "mistr" typed',
      );
      await page.keyboard.press('Enter');

      await titled(/^Add API Key \(3\/4\)$/, 'step 3/4 (profile ID)');
      if ((await input.inputValue()) !== 'mistral:manual')
        throw new Error(`suggested profile ID "${await input.inputValue()}"`);
      await page.waitForTimeout(300); // the previous step fades out
      await screenshot('add-3-profile-id');
      await page.keyboard.press('Enter');

      await titled(/^Add API Key \(4\/4\)$/, 'step 4/4 (key)');
      if ((await input.getAttribute('type')) !== 'password') throw new Error('the key box is not a password input');
      const back = wb
        .quickInput()
        .locator(
          '.quick-input-titlebar .action-label[aria-label="Back"], .quick-input-titlebar .codicon-quick-input-back',
        )
        .first();
      await back.waitFor({ state: 'visible' });
      await screenshot('add-4-key-with-back');
      await back.click();
      await titled(/^Add API Key \(3\/4\)$/, 'Back to step 3/4');
      if ((await input.inputValue()) !== 'mistral:manual')
        throw new Error(`after Back the profile ID is "${await input.inputValue()}"`);
      await page.keyboard.press('Enter');
      await titled(/^Add API Key \(4\/4\)$/, 'step 4/4 again');
      await input.pressSequentially(key, { delay: 2 });
      await page.keyboard.press('Enter');

      const note = await wb.notification('Saved API key mistral:manual.');
      if (!/Undo/.test(note)) throw new Error(`the add offers no Undo: ${note}`);
      await until(
        page,
        async () => (await profilesOf(wb, 'main', 'mistral')).some((r) => r.label === 'mistral:manual'),
        'mistral:manual in the tree',
      );
      await screenshot('add-5-saved-with-undo');
      await wb.notificationButton('Saved API key mistral:manual.', 'Undo');
      await wb.notification('Undid: adding mistral:manual');
      await until(
        page,
        async () => !(await profilesOf(wb, 'main', 'mistral')).length,
        'mistral:manual gone after Undo',
      );
      if ((await wb.domText()).includes(key)) throw new Error('the typed key is in the page');
    },
  },
  {
    name: 'keyboard only on a focused row: Alt+Up moves it, Delete asks about it and Enter keeps it',
    async fn({ wb, page, screenshot }) {
      await openView(wb);
      await wb.clearNotifications();
      if ((await order(wb)) !== 'openrouter:work,openrouter:manual')
        throw new Error(`order before: ${await order(wb)}`);
      // Select a row that is not the target, so only the keyboard focus can name the target.
      await (await wb.treeRow(CONTAINER, 'Agent main', 'Agent main')).locator('.label-name').click();
      await focusTree(wb);
      const f = await focusRowByKeyboard(wb, 'work', 'openrouter:manual');
      if (f.selected) throw new Error('the focused row is also selected; the test needs focus without selection');
      await screenshot('kbd-1-focused-not-selected');

      await page.keyboard.press('Alt+ArrowUp');
      await until(
        page,
        async () => (await order(wb)) === 'openrouter:manual,openrouter:work',
        'Alt+Up on the focused row to move it first',
      );
      await wb.notification('Order for openrouter: openrouter:manual → openrouter:work.');
      await screenshot('kbd-2-alt-up');

      // Focus the next row (the selection stays on openrouter:manual) and press Delete.
      await wb.clearNotifications();
      await focusTree(wb);
      await focusRowByKeyboard(wb, 'work', 'openrouter:work');
      await page.keyboard.press('Delete');
      await until(
        page,
        async () => /^Remove openrouter:work \(agent work\)\?$/.test(await wb.quickInputTitle()),
        'the confirmation about the focused row',
      );
      const rows = await wb.quickPickRows();
      await page.waitForTimeout(200);
      await screenshot('kbd-3-delete-confirm');
      if (rows[0]?.label !== 'Keep' || !rows[0].active)
        throw new Error(`the safe choice is not the default: ${JSON.stringify(rows)}`);
      await page.keyboard.press('Enter');
      await wb.quickInput().waitFor({ state: 'hidden' });
      await page.waitForTimeout(500);
      if (!(await profilesOf(wb, 'work', 'openrouter')).some((r) => r.label === 'openrouter:work'))
        throw new Error('Enter removed the profile');
      if (
        await page.locator('.notifications-toasts .notification-toast', { hasText: 'Removed openrouter:work' }).count()
      )
        throw new Error('a removal was reported');

      // Back to the order the other tests expect, by keyboard too.
      await focusTree(wb);
      await focusRowByKeyboard(wb, 'work', 'openrouter:manual');
      await page.keyboard.press('Alt+ArrowDown');
      await until(
        page,
        async () => (await order(wb)) === 'openrouter:work,openrouter:manual',
        'Alt+Down to restore the order',
      );
    },
  },
  {
    name: 'Shift+F10 on a focused provider row opens its menu with Add API Key; every row action is in a menu',
    async fn({ wb, page, screenshot }) {
      await openView(wb);
      await focusTree(wb);
      await focusRowByKeyboard(wb, 'work', 'openrouter', { level: 2 });
      await page.keyboard.press('Shift+F10');
      const menu = page.locator('.context-view .monaco-menu');
      await menu.waitFor({ state: 'visible' });
      await page.waitForTimeout(300);
      await screenshot('kbd-4-provider-menu');
      const items = (await menu.locator('.action-item .action-label').allInnerTexts())
        .map((t) => t.trim())
        .filter(Boolean);
      for (const want of ['Add API Key', 'Paste Setup Token', 'Clear Stored Order'])
        if (!items.includes(want)) throw new Error(`"${want}" missing from the provider menu: ${items.join(', ')}`);
      await page.keyboard.press('Escape');

      await focusRowByKeyboard(wb, 'main', 'openrouter:manual');
      await page.keyboard.press('Shift+F10');
      await menu.waitFor({ state: 'visible' });
      const profileItems = (await menu.locator('.action-item .action-label').allInnerTexts())
        .map((t) => t.trim())
        .filter(Boolean);
      await screenshot('kbd-5-profile-menu');
      await page.keyboard.press('Escape');
      for (const want of [
        'Replace Credential',
        'Remove Profile',
        'Copy Profile ID',
        'Copy Pin Command',
        'Copy Database Path',
        'Open Database Folder in New Window',
      ]) {
        if (!profileItems.includes(want))
          throw new Error(`"${want}" missing from the profile menu: ${profileItems.join(', ')}`);
      }
      if (profileItems.includes('Reveal Database in File Manager'))
        throw new Error('a browser window offers Reveal in File Manager, which it cannot do');
    },
  },
  {
    name: 'the palette lists only commands that can apply; Remove Profile shows no key that works only in the view',
    async fn({ wb, page, screenshot }) {
      const rowsFor = async (text) => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = wb.quickInput().locator('.quick-input-box input');
        await input.waitFor({ state: 'visible' });
        await input.fill(`>${text}`);
        await page.waitForTimeout(400);
        return wb.quickPickRows();
      };
      const hidden = [
        'OpenClaw: Stop Gateway',
        'OpenClaw: Restart Gateway',
        'OpenClaw: Cancel Probe',
        'OpenClaw: Export Probe Results as JSON',
        'OpenClaw: Undo Legacy Migration',
        'OpenClaw: Reveal Database',
        'OpenClaw: Copy Pin Command',
        'OpenClaw: Copy Profile ID',
        'OpenClaw: Move Up',
        'OpenClaw: Create OpenClaw State',
      ];
      for (const title of hidden) {
        const rows = await rowsFor(title);
        const hit = rows.find((r) => r.label.startsWith(title) || r.text.startsWith(title));
        if (hit) throw new Error(`"${title}" is in the palette: ${hit.text}`);
      }
      const remove = (await rowsFor('OpenClaw: Remove Profile')).find((r) =>
        r.text.startsWith('OpenClaw: Remove Profile'),
      );
      await screenshot('palette-1-remove-profile');
      if (!remove) throw new Error('Remove Profile is not in the palette');
      if (remove.keybinding) throw new Error(`Remove Profile shows the key "${remove.keybinding}" in the palette`);
      // A context key, not a fixed list: Show Probe Report appears once there is a result.
      if ((await rowsFor('OpenClaw: Show Probe Report')).some((r) => r.text.startsWith('OpenClaw: Show Probe Report')))
        throw new Error('Show Probe Report is listed before any check ran');
      await page.keyboard.press('Escape');
      await wb.runCommand('OpenClaw: Check Credentials');
      await until(
        page,
        async () =>
          (await rowsFor('OpenClaw: Show Probe Report')).some((r) => r.text.startsWith('OpenClaw: Show Probe Report')),
        'Show Probe Report in the palette after Check Credentials',
      );
      await screenshot('palette-2-probe-report-listed');
      await page.keyboard.press('Escape');
      await wb.runCommand('View: Close All Editors');
    },
  },
];
