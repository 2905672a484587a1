// Page helpers for the VS Code web workbench of code-server 4.139.1 (VS Code 1.139.1), used by the
// browser e2e tests (test/e2e/*.e2e.mjs). Selectors were checked against that version.

const DEFAULT_TIMEOUT = 30_000;

export function workbench(page) {
  const quickInput = page.locator('.quick-input-widget .quick-input-box input');

  return {
    page,

    /** Waits for the workbench DOM and for the extension host to have registered contributions. */
    async ready({ timeout = 90_000 } = {}) {
      await page.locator('.monaco-workbench').waitFor({ timeout });
      await page.locator('.part.statusbar').waitFor({ timeout });
    },

    /**
     * Runs a command from the command palette (F1) by its full label, e.g.
     * "OpenClaw: Show Credential Status". Retries opening the palette (focus can be elsewhere).
     */
    async runCommand(label, { timeout = DEFAULT_TIMEOUT } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        try {
          await quickInput.waitFor({ state: 'visible', timeout: 5000 });
          await quickInput.fill(`>${label}`);
          const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
          await row.waitFor({ timeout: Math.min(10_000, Math.max(1000, deadline - Date.now())) });
          await page.keyboard.press('Enter');
          await quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
          return;
        } catch (e) {
          if (Date.now() > deadline)
            throw new Error(`command "${label}" not found in the command palette: ${e.message}`);
          await page.waitForTimeout(500);
        }
      }
    },

    /** The notification toast whose text matches (string or RegExp); resolves to its text. */
    async notification(text, { timeout = DEFAULT_TIMEOUT } = {}) {
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
      await toast.waitFor({ timeout });
      await page.waitForTimeout(600); // toasts fade in; a screenshot right away catches them half drawn
      return (await toast.innerText()).trim();
    },

    /** Status bar item contributed by an extension: DOM id is `<extensionId>.<itemId>`. */
    statusBarItem(extensionId, itemId) {
      return page.locator(`[id="${extensionId}.${itemId}"]`);
    },

    /** Rows of the tree/list views in an activity-bar view container (`viewsContainers` id). */
    viewRows(containerId, hasText) {
      return page.locator(
        `[id="workbench.view.extension.${containerId}"] .monaco-list-row`,
        hasText ? { hasText } : undefined,
      );
    },

    /** Texts of the visible rows of a view container. */
    async viewRowTexts(containerId) {
      return (await this.viewRows(containerId).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    },

    /** The activity bar entry whose title (aria-label) starts with `title`, e.g. "OpenClaw". */
    activityBarItem(title) {
      return page.locator(`.part.activitybar .action-item a.action-label[aria-label^="${title}"]`);
    },

    /**
     * Opens a view container by clicking its activity bar icon. Clicking the icon of the container
     * that is already shown would close the side bar, so another container is shown first.
     */
    async openViewContainer(title, containerId, { via = 'Explorer' } = {}) {
      const view = page.locator(`[id="workbench.view.extension.${containerId}"]`);
      if (await view.isVisible()) await this.activityBarItem(via).click();
      await this.activityBarItem(title).click();
      await view.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
      return view;
    },

    /** Drags the sash on the side bar's right edge so the side bar is `width` px wide. */
    async setSideBarWidth(width) {
      const bar = await page.locator('.part.sidebar').boundingBox();
      if (!bar) throw new Error('the side bar is not visible');
      const edge = bar.x + bar.width;
      const y = bar.y + bar.height / 2;
      await page.mouse.move(edge, y);
      await page.mouse.down();
      await page.mouse.move(bar.x + width, y, { steps: 8 });
      await page.mouse.up();
      await page.mouse.move(bar.x + width + 300, y); // off the sash, which stays highlighted while hovered
      await page.waitForTimeout(200);
    },

    /**
     * The rows of a tree view container as data, in display order: { index, level, label,
     * description, expanded, agent } where `agent` is the label of the nearest level-1 row above
     * (this extension's trees start with an "Agent <id>" row). `index` is the row's data-index.
     */
    async treeItems(containerId) {
      return page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row`).evaluateAll((rows) => {
        const items = rows
          .map((r) => ({
            index: Number(r.getAttribute('data-index')),
            level: Number(r.getAttribute('aria-level')),
            label: r.querySelector('.label-name')?.textContent?.trim() ?? '',
            description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
            expanded: r.getAttribute('aria-expanded') === null ? undefined : r.getAttribute('aria-expanded') === 'true',
          }))
          .sort((a, b) => a.index - b.index);
        let top = '';
        for (const it of items) {
          if (it.level === 1) top = it.label;
          it.agent = top;
        }
        return items;
      });
    },

    /** The row (Locator) of the tree item labelled `label` under the level-1 row `under`. */
    async treeRow(containerId, under, label) {
      const it = (await this.treeItems(containerId)).find((x) => x.agent === under && x.label === label);
      if (!it) throw new Error(`no row "${label}" under "${under}"`);
      return page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row[data-index="${it.index}"]`);
    },

    /** The row of a tree view container that has keyboard focus: { index, label, level } or undefined. */
    async focusedTreeRow(containerId) {
      const row = page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row.focused`).first();
      if (!(await row.count())) return undefined;
      return row.evaluate((r) => ({
        index: Number(r.getAttribute('data-index')),
        level: Number(r.getAttribute('aria-level')),
        label: r.querySelector('.label-name')?.textContent?.trim() ?? '',
        selected: r.classList.contains('selected'),
      }));
    },

    /** The open quick input (palette, quick pick, input box). */
    quickInput() {
      return page.locator('.quick-input-widget');
    },
    /** Its title as shown, including VS Code's step counter, e.g. "Add API Key (2/4)". */
    async quickInputTitle() {
      return (
        await page
          .locator('.quick-input-widget .quick-input-title')
          .innerText()
          .catch(() => '')
      ).trim();
    },
    /** Texts of its visible rows, in display order, and the text of the active (highlighted) row. */
    async quickPickRows() {
      return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((rows) =>
        rows
          .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
          .map((r) => ({
            text: r.innerText.replace(/\s+/g, ' ').trim(),
            label: r.querySelector('.label-name')?.textContent?.trim() ?? '',
            active: r.classList.contains('focused'),
            keybinding: r.querySelector('.monaco-keybinding')?.textContent?.trim() ?? '',
          })),
      );
    },

    /** Clicks an entry of the open context menu by its label. */
    async contextMenuItem(label, { timeout = 10_000 } = {}) {
      const item = page.locator('.context-view .monaco-menu .action-item', { hasText: label }).first();
      await item.waitFor({ state: 'visible', timeout });
      await item.click();
    },

    /** The modal dialog (Locator); `dialogButton(text)` clicks one of its buttons. */
    dialog() {
      return page.locator('.monaco-dialog-box');
    },
    async dialogButton(text, { timeout = DEFAULT_TIMEOUT } = {}) {
      const b = page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: text }).first();
      await b.waitFor({ state: 'visible', timeout });
      await b.click();
    },

    /** Clicks the button `button` of the notification toast that matches `text`. */
    async notificationButton(text, button, { timeout = DEFAULT_TIMEOUT } = {}) {
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
      await toast.waitFor({ timeout });
      await toast.locator('.monaco-button', { hasText: button }).first().click();
    },

    /** Closes every notification toast (Notifications: Clear All). */
    async clearNotifications() {
      await this.runCommand('Notifications: Clear All Notifications');
      await page
        .locator('.notifications-toasts .notification-toast')
        .first()
        .waitFor({ state: 'hidden', timeout: 5000 })
        .catch(() => {});
    },

    /** The visible hover widget (tooltips of status bar items, tree items, ...). */
    hover() {
      return page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    },

    /** Texts of every element of the page: body.innerText plus the values of all inputs/textareas. */
    async domText() {
      return page.evaluate(() => {
        const values = [...document.querySelectorAll('input, textarea')].map((e) => e.value).filter(Boolean);
        return `${document.body.innerText}\n--- input values ---\n${values.join('\n')}\n`;
      });
    },
  };
}
