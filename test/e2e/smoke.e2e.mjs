// First browser e2e test: the real workbench (code-server in headless Chromium) with the extension
// installed (symlinked into the extensions dir) and OPENCLAW_STATE_DIR pointing at a temp copy of
// test/fixtures/openclaw-2026.9.6/multi-agent/home/.openclaw (agents main + work; main has
// anthropic:manual (token) and openrouter:manual (api key)).

const EXTENSION_ID = 'openclaw-auth.openclaw-auth';

export const tests = [
  {
    name: 'the extension activates and shows its status bar item',
    async fn({ wb }) {
      const item = wb.statusBarItem(EXTENSION_ID, 'openclawAuth.status');
      await item.waitFor({ state: 'visible', timeout: 60_000 });
      const text = (await item.innerText()).trim();
      if (!text) throw new Error('status bar item has no text');
    },
  },
  {
    name: '"OpenClaw: Show Credential Status" from the command palette shows the demo credentials',
    async fn({ wb, screenshot }) {
      await wb.runCommand('OpenClaw: Show Credential Status');
      // The command focuses the Auth Profiles view (container "openclawAuth").
      await wb.viewRows('openclawAuth', 'anthropic').first().waitFor({ timeout: 30_000 });
      await wb.viewRows('openclawAuth', 'openrouter').first().waitFor({ timeout: 30_000 });
      await wb.page.waitForTimeout(500);
      await screenshot('show-credential-status');
    },
  },
];
