// Helpers for the OpenClaw view in the e2e tests (on top of workbench.mjs): waiting, opening the
// view with both agents expanded, reading a provider's profile rows, and moving the keyboard focus
// to a row with the arrow keys only.

export const CONTAINER = 'openclawAuth';
export const EXTENSION_ID = 'openclaw-auth.openclaw-auth';

/** Polls `fn` until it returns a truthy value; the error names `what` (never a secret). */
export async function until(page, fn, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(150);
  }
}

/**
 * Opens the OpenClaw view (by default its focus command from the palette, which does not depend on
 * what a test before left under the mouse; `via: 'activityBar'` clicks its icon as a new user
 * does), widens the side bar and expands both agents.
 */
export async function openView(wb, { via = 'palette' } = {}) {
  await wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status').waitFor({ state: 'visible', timeout: 60_000 });
  if (via === 'activityBar') {
    await wb.openViewContainer('OpenClaw', CONTAINER);
  } else {
    await wb.page.mouse.move(900, 400);
    await wb.runCommand('OpenClaw: Show Credential Status');
    await wb.page
      .locator(`[id="workbench.view.extension.${CONTAINER}"]`)
      .waitFor({ state: 'visible', timeout: 30_000 });
  }
  await wb.setSideBarWidth(620);
  await wb.viewRows(CONTAINER, 'Agent main').first().waitFor({ timeout: 30_000 });
  for (const agent of ['Agent main', 'Agent work']) {
    const it = (await wb.treeItems(CONTAINER)).find((x) => x.level === 1 && x.label === agent);
    if (!it) throw new Error(`no "${agent}" row in the tree`);
    if (!it.expanded) {
      await (await wb.treeRow(CONTAINER, agent, agent)).locator('.monaco-tl-twistie').click();
      await until(
        wb.page,
        async () => (await wb.treeItems(CONTAINER)).find((x) => x.level === 1 && x.label === agent)?.expanded,
        `${agent} to expand`,
      );
    }
  }
  await until(
    wb.page,
    async () => (await wb.treeItems(CONTAINER)).some((x) => x.agent === 'Agent work' && x.level === 3),
    'the profiles of agent work',
  );
}

/** The profile rows of one agent's provider, in display order. */
export async function profilesOf(wb, agent, provider) {
  const items = await wb.treeItems(CONTAINER);
  const out = [];
  let inProvider = false;
  for (const it of items) {
    if (it.agent !== `Agent ${agent}`) continue;
    if (it.level === 2) inProvider = it.label === provider;
    else if (it.level === 3 && inProvider) out.push(it);
  }
  return out;
}

/** The row { agent, label, level, index, selected } that has the keyboard focus in the view. */
export async function focused(wb) {
  const f = await wb.focusedTreeRow(CONTAINER);
  if (!f) return undefined;
  const it = (await wb.treeItems(CONTAINER)).find((x) => x.index === f.index);
  return it ? { ...it, selected: f.selected } : undefined;
}

/**
 * Moves the keyboard focus to the row `label` under `Agent <agent>` with Home and the arrow keys
 * (the tree must have the keyboard focus already); expands a collapsed row on the way with →.
 */
export async function focusRowByKeyboard(wb, agent, label, { level } = {}) {
  const page = wb.page;
  await page.keyboard.press('Home');
  for (let i = 0; i < 60; i++) {
    const f = await focused(wb);
    if (f && f.agent === `Agent ${agent}` && f.label === label && (!level || f.level === level)) return f;
    if (f && f.expanded === false && (f.label === `Agent ${agent}` || f.agent === `Agent ${agent}`)) {
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(150);
      continue;
    }
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(60);
  }
  throw new Error(`the arrow keys never reached "${label}" under Agent ${agent}`);
}
