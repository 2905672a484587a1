/** A scripted user for host tests (answers in order; messages recorded) and a free loopback port. */
import net from 'node:net';
import type { Ui } from '../../src/ui/ui';

export function script(answers: Array<string | undefined>): { ui: Ui; messages: string[] } {
  const messages: string[] = [];
  const next = () => answers.shift();
  const ui: Ui = {
    showInputBox: async () => next(),
    showQuickPick: async (items) => {
      const a = next();
      return items.find((i) => i.label === a);
    },
    pickOrType: async () => next(),
    showWarningMessage: async (m, _o, ...items) => {
      messages.push(m);
      return items.length ? next() : undefined;
    },
    showInformationMessage: async (m, ...items) => {
      messages.push(m);
      return items.length ? next() : undefined;
    },
    showErrorMessage: async (m, ...items) => {
      messages.push(m);
      return items.length ? next() : undefined;
    },
    showOpenDialog: async () => undefined,
  };
  return { ui, messages };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
