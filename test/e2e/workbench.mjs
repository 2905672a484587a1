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
          if (Date.now() > deadline) throw new Error(`command "${label}" not found in the command palette: ${e.message}`);
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
      return page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row`, hasText ? { hasText } : undefined);
    },

    /** Texts of the visible rows of a view container. */
    async viewRowTexts(containerId) {
      return (await this.viewRows(containerId).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    },
  };
}
