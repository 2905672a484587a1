/**
 * openclaw-auth: the extension's cores for scripts, CI and side-by-side comparison with
 * openclaw's own CLI. Every command takes --state-dir DIR and --agent ID. With --json, stdout is
 * JSON only; errors go to stderr with a non-zero exit.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  applyMutation,
  listAgents,
  listDocument,
  loadView,
  orderDocument,
  readSnapshot,
  resolvePaths,
  suggestApiKeyProfileId,
  type AgentSnapshot,
  type Mutation,
} from '../store';
import { gatewayStatus, resolveTarget, statusLines } from './gateway';
import { checkGatewayUrl } from '../gateway/targets';
import {
  NOT_ON_A_GATEWAY,
  remoteListDocument,
  remoteLogout,
  remoteOrderDocument,
  remoteRemove,
  remoteStatusDocument,
  withGateway,
  type RemoteSession,
} from './remote';
import { assertStateDir } from '../store/stateDir';
import { validateAgentId } from '../store/paths';
import { defaultProfileId, normalizeProviderId, canonicalProviderForNewProfile, quoteId } from '../auth/providerId';
import { normalizeSetupToken, parseDuration, validateSetupToken } from '../auth/tokens';
import { redact } from '../auth/mask';
import type { AgentView } from '../auth/view';
import { runDoctor } from './doctor';
import { probeCommand, rotationCommand, ProbeUsageError } from './probe';
import { DEFAULT_REMOTE_PROBE_TIMEOUT_MS, remoteProbe, remoteProbeExitCode, remoteProbeText } from './remoteProbe';
import { restartGateway, startGateway, stopGateway } from './gatewayLocal';

const HEADER = `Usage: openclaw-auth <command> [--state-dir DIR [--create]] [--agent ID]
       openclaw-auth <command> --gateway URL [--token-file F] [--timeout MS] [--agent ID]
       openclaw-auth --help | -h | --version | -v

  --state-dir DIR   the OpenClaw state dir (default: $OPENCLAW_STATE_DIR, else
                    $OPENCLAW_HOME/.openclaw, else ~/.openclaw). A folder that holds no
                    OpenClaw state is refused unless --create is given.
  --gateway URL     work on that gateway through its control plane (ws://, or wss:// beyond
                    private networks), not on local files: list, status, order, add-key,
                    remove, logout, probe. The token is read from --token-file, else
                    $OPENCLAW_GATEWAY_TOKEN. A gateway that cannot be used is exit 1 with
                    unreachable, token-rejected, timeout, closed or protocol-mismatch.

Commands:
`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
  /** Every value given for each flag, in order (repeatable flags such as --profile). */
  multi: Map<string, string[]>;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] as number;
      d[j] = Math.min(cur + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] as number;
}

function unknownFlag(flag: string): UsageError {
  const name = flag.replace(/^-+/, '');
  const best = [...VALUED, ...SWITCHES].map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= 2 && best.d < name.length ? ` Did you mean --${best.k}?` : '';
  return new UsageError(`Unknown option ${flag.slice(0, 60)}.${hint} (openclaw-auth --help lists the options.)`);
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const multi = new Map<string, string[]>();
  const set = (name: string, v: string) => {
    flags.set(name, v);
    multi.set(name, [...(multi.get(name) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-h') {
      flags.set('help', true);
      continue;
    }
    if (a === '-v') {
      flags.set('version', true);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!VALUED.has(name) && !SWITCHES.has(name)) throw unknownFlag(eq > 0 ? a.slice(0, eq) : a);
      if (SWITCHES.has(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value.`);
        flags.set(name, true);
        continue;
      }
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      // A value that is itself a flag means the value was forgotten (`--state-dir --json` must not
      // create a directory named "--json").
      if (v === undefined || (eq < 0 && v.startsWith('--')))
        throw new UsageError(`--${name} needs a value${v !== undefined ? ` (got the option ${v.slice(0, 60)})` : ''}.`);
      if (v.trim() === '') throw new UsageError(`--${name} is empty.`);
      set(name, v);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      throw unknownFlag(a);
    } else positional.push(a);
  }
  return { positional, flags, multi };
}

function version(): string {
  // dist/cli.js sits one level below package.json, src/cli/main.ts two.
  for (const up of [['..'], ['..', '..']])
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, ...up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'openclaw-auth') return pkg.version ?? 'unknown';
    } catch {
      // not this level
    }
  return 'unknown';
}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(
      'Pipe the secret on stdin (for example: printf "%s\\n" "$KEY" | openclaw-auth add-key --provider P).',
    );
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * The state dir must hold OpenClaw state (or be the default one, or --create was given), and an
 * --agent must name an agent that exists: a typo never reads as an empty store nor starts one.
 */
function checkTarget(opts: { stateDirSetting?: string; agentId?: string }, create: boolean): void {
  const paths = resolvePaths({ stateDirSetting: opts.stateDirSetting });
  assertStateDir(paths, { create });
  if (opts.agentId === undefined) return;
  const bad = validateAgentId(opts.agentId);
  if (bad) throw new UsageError(bad);
  const { agents } = listAgents({ stateDirSetting: opts.stateDirSetting });
  if (!agents.includes(opts.agentId) && !create) {
    throw new Error(
      `No agent ${quoteId(opts.agentId)} in ${paths.stateDir}; its agents are: ${agents.join(', ')}. Nothing was read or changed.`,
    );
  }
}

/** A store DB that could not be read is an error for the reading commands, never an empty answer. */
function readable(s: AgentSnapshot): AgentSnapshot {
  const bad = s.warnings.filter((w) => w.reason === 'unreadable_db');
  if (bad.length)
    throw new Error(
      `${bad.map((w) => w.message).join('\n')}\nThe store could not be read, so this command has no answer; nothing was changed.`,
    );
  return s;
}

function out(json: unknown): void {
  process.stdout.write(JSON.stringify(json, null, 2) + '\n');
}

function statusJson(view: AgentView): unknown {
  return {
    agentId: view.agentId,
    checkCode: view.checkCode,
    missingProvidersInUse: view.missingProvidersInUse,
    providers: view.providers.map((p) => ({
      provider: p.provider,
      status: p.status,
      inUse: p.inUse,
      order: {
        source: p.order.source,
        resolved: p.order.profileIds,
        explicit: p.order.explicit ?? null,
        disabled: p.order.disabled,
      },
      env: p.envCredential ?? null,
      keyChain: p.keyChain,
      profiles: p.profiles.map((x) => ({
        id: x.id,
        type: x.type,
        source: x.source,
        status: x.health,
        display: x.display,
        reasonCode: x.reasonCode ?? 'ok',
        expiresAt: x.expiresAt ? new Date(x.expiresAt).toISOString() : undefined,
        remainingMs: x.remainingMs,
        cooldown: x.unusable
          ? {
              kind: x.unusable.kind,
              reason: x.unusable.reason,
              model: x.unusable.model,
              until: new Date(x.unusable.until).toISOString(),
            }
          : undefined,
        credential: x.credentialHint,
        rank: x.rank,
      })),
    })),
  };
}

/** What a command's handler gets: the parsed arguments and the target. */
interface CliContext {
  p: Parsed;
  /** Positional arguments after the command name. */
  rest: string[];
  opts: { stateDirSetting?: string; agentId?: string };
  json: boolean;
}

/**
 * One entry per command: its name, the options it takes (beyond the global --state-dir, --agent,
 * --create, --json, --help, --version), the lines of its --help text ([synopsis, description];
 * a synopsis too long for the column puts the description on the next line), and its handler,
 * which returns the exit code. A new command is one entry here.
 */
interface CliCommand {
  name: string;
  valued?: string[];
  switches?: string[];
  help: Array<[string, string]>;
  run(c: CliContext): Promise<number> | number;
  /** The command on a gateway given with --gateway (src/cli/remote.ts); absent: refused with the reason. */
  remote?(c: CliContext, s: RemoteSession): Promise<number>;
  /** Usage checks of the --gateway form, before anything is sent. */
  remoteCheck?(c: CliContext): void;
}

const COMMANDS: CliCommand[] = [
  {
    name: 'list',
    valued: ['provider'],
    help: [['list [--provider P] [--json]', 'profiles, as `openclaw models auth list --json`']],
    remote: async ({ p, json }, s) => {
      const doc = remoteListDocument(await s.client.authStatus(s.scope), s, str(p, 'provider'));
      if (json) out(doc);
      else
        for (const r of doc.profiles as Array<Record<string, string>>)
          process.stdout.write(
            `${r.id} [${r.provider}/${r.type}; ${r.status}${r.expiresAt ? `; expires ${r.expiresAt}` : ''}]\n`,
          );
      return 0;
    },
    run: ({ p, opts, json }) => {
      const s = readable(readSnapshot(opts));
      for (const w of s.warnings) process.stderr.write(`warning: ${w.message}\n`);
      const doc = listDocument(s, str(p, 'provider'));
      if (json) out(doc);
      else
        for (const r of doc.profiles as Array<Record<string, string>>)
          process.stdout.write(
            `${r.id} [${r.provider}/${r.type}${r.expiresAt ? `; expires ${r.expiresAt}` : ''}${r.cooldownUntil ? `; cooldown:${r.cooldownReason ?? ''} until ${r.cooldownUntil}` : ''}]\n`,
          );
      return 0;
    },
  },
  {
    name: 'order',
    valued: ['provider'],
    help: [
      ['order get --provider P [--json]', 'stored order override'],
      ['order set --provider P ID...', 'store an order override'],
      ['order clear --provider P', 'remove the order override'],
    ],
    run: orderCommand,
    remote: remoteOrder,
  },
  {
    name: 'add-key',
    valued: ['provider', 'profile-id'],
    help: [['add-key --provider P [--profile-id ID]', 'add or replace an API key (key on stdin)']],
    run: (c) => addSecret('add-key', c),
    remote: remoteAddKey,
  },
  {
    name: 'add-token',
    valued: ['provider', 'profile-id', 'expires-in'],
    help: [
      ['add-token --provider P [--profile-id ID] [--expires-in 30d]', 'add or replace a setup token (token on stdin)'],
    ],
    run: (c) => addSecret('add-token', c),
  },
  {
    name: 'remove',
    help: [['remove ID', "remove a profile (openclaw's logout)"]],
    run: async ({ rest, opts, json }) => {
      const id = rest[0];
      if (!id) throw new UsageError('remove needs a profile id.');
      const r = await applyMutation(opts, { kind: 'removeProfile', profileId: id });
      if (json) out({ removed: id, files: r.files });
      else process.stdout.write(`Removed ${id}.\n`);
      return 0;
    },
    remote: async ({ rest, json }, s) => {
      const id = rest[0];
      if (!id) throw new UsageError('remove needs a profile id.');
      const doc = await remoteRemove(s, id);
      if (json) out(doc);
      else process.stdout.write(`Removed ${id} through the gateway.\n`);
      return 0;
    },
  },
  {
    name: 'logout',
    help: [['logout --provider P', 'remove every profile of a provider (on a gateway: stops its runs)']],
    run: logoutCommand,
    remote: async ({ p, json }, s) => {
      const provider = str(p, 'provider');
      if (!provider) throw new UsageError('--provider is required.');
      const { message, ...doc } = await remoteLogout(s, provider);
      if (json) out({ ...doc, message });
      else process.stdout.write(`${message}\n`);
      return 0;
    },
  },
  {
    name: 'status',
    help: [['status [--json]', 'per provider: resolved order, status, reason codes']],
    run: (c) => statusCommand('status', c),
    remote: async ({ json }, s) => {
      const doc = remoteStatusDocument(await s.client.authStatus(s.scope), s);
      if (json) out(doc);
      else
        for (const pr of doc.providers as Array<{ provider: string; status: string; profiles: unknown[] }>)
          process.stdout.write(`${pr.provider}: ${pr.status} (${pr.profiles.length} profile(s))\n`);
      return 0;
    },
  },
  {
    name: 'check',
    help: [['check', 'exit 0 ok, 1 expired or missing, 2 expiring']],
    run: (c) => statusCommand('check', c),
  },
  {
    name: 'doctor',
    valued: ['undo'],
    switches: ['fix', 'force', 'runs'],
    help: [
      ['doctor [--json]', 'legacy auth files: print the migration plan (exit 3: needed)'],
      ['doctor --fix [--json]', 'migrate them (backed up, verified, undoable)'],
      ['doctor --undo RUN_ID [--force]', 'undo one migration run; doctor --runs lists them'],
    ],
    run: ({ p, opts, json }) =>
      runDoctor({
        stateDirSetting: opts.stateDirSetting,
        json,
        fix: p.flags.has('fix'),
        undo: str(p, 'undo'),
        runs: p.flags.has('runs'),
        force: p.flags.has('force'),
      }),
  },
  {
    name: 'probe',
    valued: ['provider', 'profile', 'timeout', 'concurrency', 'max-tokens'],
    switches: ['local', 'no-record'],
    help: [
      [
        'probe [--json] [--provider P] [--profile ID]... [--timeout MS] [--concurrency N] [--max-tokens N] [--local] [--no-record]',
        "local checks, or live probes (openclaw's auth.probes JSON)",
      ],
      [
        'probe --gateway URL [--provider P] [--profile ID]... [--timeout MS] [--concurrency N] [--json]',
        'live probes run by that gateway (models.probe), each bounded by --timeout (default 30 s)',
      ],
    ],
    run: (c) => probeOrRotation('probe', c),
    remoteCheck: ({ p }) => {
      if (p.flags.has('local'))
        throw new UsageError('probe --local checks local files; on a gateway every probe is live (leave --local out).');
      if (p.flags.has('max-tokens'))
        throw new UsageError('--max-tokens: a gateway chooses the size of its probes; leave it out with --gateway.');
      positive(p, 'concurrency');
    },
    remote: async ({ p, json }, s) => {
      const sum = await remoteProbe(s, {
        provider: str(p, 'provider'),
        profileIds: (p.multi.get('profile') ?? [])
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean),
        timeoutMs: p.flags.has('timeout') ? requestTimeout(p) : DEFAULT_REMOTE_PROBE_TIMEOUT_MS,
        concurrency: Math.floor(positive(p, 'concurrency') ?? 2),
      });
      process.stdout.write(json ? JSON.stringify(sum, null, 2) + '\n' : remoteProbeText(sum));
      return remoteProbeExitCode(sum);
    },
  },
  {
    name: 'rotation',
    valued: ['provider', 'var', 'masked', 'index'],
    help: [
      ['rotation --provider P [--json]', 'the env key rotation chain, masked'],
      ['rotation add --provider P', 'add a rotation key to ~/.openclaw/.env (key on stdin)'],
      ['rotation remove --provider P --var NAME [--masked M | --index N]', ''],
    ],
    run: (c) => probeOrRotation('rotation', c),
  },
  {
    name: 'gateway',
    valued: ['gateway', 'token-file', 'timeout', 'openclaw', 'node'],
    help: [
      [
        'gateway status [--gateway URL] [--token-file F] [--timeout MS] [--json]',
        'whether the gateway answers, its version and models.authStatus (exit 1 when not connected)',
      ],
      [
        'gateway start [--openclaw PATH] [--node PATH] [--json]',
        "start this state dir's gateway detached (recorded in <state dir>/openclaw-auth-gateway.json)",
      ],
      ['gateway stop [--json]', 'stop the gateway openclaw-auth started (never one it did not start)'],
      ['gateway restart [--openclaw PATH] [--node PATH] [--json]', 'stop, then start'],
    ],
    run: gatewayCommand,
  },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));
/** Options every command takes. */
const GLOBAL_VALUED = ['state-dir', 'agent', 'gateway', 'token-file', 'timeout'];
const GLOBAL_SWITCHES = ['json', 'help', 'version', 'create'];
/** Flags that take a value, and flags that are switches: anything else is a usage error. */
const VALUED = new Set([...GLOBAL_VALUED, ...COMMANDS.flatMap((c) => c.valued ?? [])]);
const SWITCHES = new Set([...GLOBAL_SWITCHES, ...COMMANDS.flatMap((c) => c.switches ?? [])]);

/** The --help text, generated from the command table. */
const USAGE =
  HEADER +
  COMMANDS.flatMap((c) => c.help)
    .map(([synopsis, what]) => {
      const line = `  ${synopsis}`;
      if (!what) return `${line}\n`;
      return line.length <= 40 ? `${line.padEnd(42)}${what}\n` : `${line}\n${' '.repeat(42)}${what}\n`;
    })
    .join('');

async function orderCommand({ p, rest, opts, json }: CliContext): Promise<number> {
  const sub = rest[0];
  const provider = str(p, 'provider');
  if (!provider) throw new UsageError('--provider is required.');
  if (sub === 'get') {
    const doc = orderDocument(readable(readSnapshot(opts)), provider);
    if (json) out(doc);
    else process.stdout.write(`${(doc.order as string[] | null)?.join(' ') ?? '(no stored order)'}\n`);
    return 0;
  }
  if (sub === 'set' || sub === 'clear') {
    const ids = sub === 'set' ? rest.slice(1) : null;
    if (ids && ids.length === 0) throw new UsageError('order set needs at least one profile id.');
    await applyMutation(opts, { kind: 'setOrder', provider, profileIds: ids });
    const doc = orderDocument(readSnapshot(opts), provider);
    if (json) out(doc);
    else
      process.stdout.write(
        sub === 'set'
          ? `Order for ${normalizeProviderId(provider)}: ${ids?.join(', ')}\n`
          : `Cleared the stored order for ${normalizeProviderId(provider)}.\n`,
      );
    return 0;
  }
  throw new UsageError('order needs get, set or clear.');
}

async function addSecret(cmd: 'add-key' | 'add-token', { p, opts, json }: CliContext): Promise<number> {
  const rawProvider = str(p, 'provider');
  if (!rawProvider) throw new UsageError('--provider is required.');
  const provider = canonicalProviderForNewProfile(rawProvider);
  const profileId =
    str(p, 'profile-id')?.trim() ||
    (cmd === 'add-key' ? suggestApiKeyProfileId(readSnapshot(opts), provider) : defaultProfileId(provider));
  const secret = await readStdin();
  let m: Mutation;
  if (cmd === 'add-key') {
    if (!secret) throw new UsageError('No API key on stdin.');
    m = { kind: 'upsertProfile', profileId, credential: { type: 'api_key', provider, key: secret } };
  } else {
    const err = validateSetupToken(provider, secret);
    if (err) throw new UsageError(redact(err, [secret]));
    const expiresIn = str(p, 'expires-in');
    const expires = expiresIn ? Date.now() + parseDuration(expiresIn) : undefined;
    m = {
      kind: 'upsertProfile',
      profileId,
      credential: { type: 'token', provider, token: normalizeSetupToken(provider, secret), expires },
    };
  }
  try {
    await applyMutation(opts, m);
  } catch (e) {
    throw new Error(redact((e as Error).message, [secret]));
  }
  if (json) out({ provider, profileId });
  else process.stdout.write(`Saved ${profileId}.\n`);
  return 0;
}

function statusCommand(cmd: 'status' | 'check', { opts, json }: CliContext): number {
  const { snapshot, view } = loadView(opts);
  readable(snapshot);
  for (const w of snapshot.warnings) process.stderr.write(`warning: ${w.message}\n`);
  if (cmd === 'check') {
    if (!json)
      process.stdout.write(
        view.checkCode === 0
          ? 'ok\n'
          : view.checkCode === 2
            ? 'expiring\n'
            : `missing or expired${view.missingProvidersInUse.length ? `: ${view.missingProvidersInUse.join(', ')}` : ''}\n`,
      );
    else out({ checkCode: view.checkCode, missingProvidersInUse: view.missingProvidersInUse });
    return view.checkCode;
  }
  if (json) out(statusJson(view));
  else {
    for (const prov of view.providers) {
      process.stdout.write(
        `${prov.provider} (${prov.status}; order: ${prov.order.source}${prov.inUse ? '; in use' : ''})\n`,
      );
      for (const x of prov.profiles)
        process.stdout.write(
          `  ${x.rank !== undefined ? `${x.rank + 1}.` : ' -'} ${x.label}  ${x.summary}  ${x.credentialHint}\n`,
        );
    }
  }
  return 0;
}

async function probeOrRotation(cmd: 'probe' | 'rotation', { p, rest, opts, json }: CliContext): Promise<number> {
  const args = { flags: p.flags, all: (n: string) => p.multi.get(n) ?? [], positional: rest };
  const write = (t: string) => {
    process.stdout.write(t);
  };
  try {
    return cmd === 'probe'
      ? await probeCommand(args, opts, json, write, (t) => {
          process.stderr.write(t);
        })
      : await rotationCommand(args, opts, json, write);
  } catch (e) {
    if (e instanceof ProbeUsageError) throw new UsageError(e.message);
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  const [cmd, ...rest] = p.positional;
  const opts = { stateDirSetting: str(p, 'state-dir'), agentId: str(p, 'agent') };
  const json = p.flags.has('json');
  if (p.flags.has('version')) {
    process.stdout.write(`openclaw-auth ${version()}\n`);
    return 0;
  }
  if (p.flags.has('help') || cmd === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!cmd) {
    process.stderr.write(USAGE);
    return 2;
  }
  const command = BY_NAME.get(cmd);
  if (!command) throw new UsageError(`Unknown command "${cmd.slice(0, 60)}".\n\n${USAGE}`);
  const url = str(p, 'gateway');
  if (url !== undefined && cmd !== 'gateway') return onGateway(command, url, { p, rest, opts, json });
  checkTarget(opts, p.flags.has('create'));
  return command.run({ p, rest, opts, json });
}

if (require.main === module) {
  // `openclaw-auth status | head` closes the pipe early: stop quietly, as other CLIs do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    else throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const err = e as Error;
      process.stderr.write(`openclaw-auth: ${err.message}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}

async function gatewayCommand({ p, rest, opts, json }: CliContext): Promise<number> {
  const sub = rest[0] ?? 'status';
  if (sub === 'start' || sub === 'stop' || sub === 'restart') {
    if (str(p, 'gateway') !== undefined)
      throw new UsageError(
        `gateway ${sub} works on this machine's gateway (--state-dir); a gateway given with --gateway is started and stopped on its own host.`,
      );
    const r = await (sub === 'start' ? startGateway : sub === 'stop' ? stopGateway : restartGateway)({
      snapshot: opts,
      openclawPath: str(p, 'openclaw'),
      nodePath: str(p, 'node'),
      info: json ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    if (json) out({ ...r.doc, message: r.message });
    else (r.code === 0 ? process.stdout : process.stderr).write(`${r.message}\n`);
    return r.code;
  }
  if (sub !== 'status')
    throw new UsageError(`gateway ${sub.slice(0, 60)}: unknown; use gateway status, start, stop or restart.`);
  const timeoutMs = requestTimeout(p);
  const url = str(p, 'gateway');
  if (url !== undefined) checkedUrl(url);
  const { target, token } = await resolveTarget({
    url,
    tokenFile: str(p, 'token-file'),
    snapshot: () => readable(readSnapshot(opts)),
  });
  const doc = await gatewayStatus(target, token, { timeoutMs, agentId: opts.agentId });
  if (json) out(doc);
  else process.stdout.write(statusLines(doc));
  return doc.connected ? 0 : 1;
}

/** The per-request bound of a gateway command (--timeout, default 10 s). */
function requestTimeout(p: Parsed): number {
  const raw = str(p, 'timeout');
  const ms = raw === undefined ? 10_000 : Number(raw);
  if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000)
    throw new UsageError('--timeout is milliseconds, from 1 to 600000.');
  return ms;
}

/** A positive number option, or undefined when not given. */
function positive(p: Parsed, name: string): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) throw new UsageError(`--${name} needs a positive number.`);
  return n;
}

function checkedUrl(url: string): void {
  const c = checkGatewayUrl(url);
  if (!c.ok) throw new UsageError(`--gateway: ${c.message}`);
}

/** A command with --gateway URL: through that gateway's control plane, or refused with the reason. */
async function onGateway(command: CliCommand, url: string, c: CliContext): Promise<number> {
  const remote = command.remote;
  if (!remote)
    throw new UsageError(
      `${command.name} is not available on a gateway: ${NOT_ON_A_GATEWAY[command.name] ?? 'it works on local files'}.`,
    );
  checkedUrl(url);
  command.remoteCheck?.(c);
  const timeoutMs = requestTimeout(c.p);
  const { target, token } = await resolveTarget({
    url,
    tokenFile: str(c.p, 'token-file'),
    snapshot: () => readable(readSnapshot(c.opts)),
  });
  return withGateway(target, token, { timeoutMs, agentId: c.opts.agentId }, (s) => remote(c, s));
}

async function remoteOrder({ p, rest, json }: CliContext, s: RemoteSession): Promise<number> {
  const sub = rest[0];
  const provider = str(p, 'provider');
  if (!provider) throw new UsageError('--provider is required.');
  if (sub === 'set' || sub === 'clear') {
    const ids = sub === 'set' ? rest.slice(1) : null;
    if (ids && ids.length === 0) throw new UsageError('order set needs at least one profile id.');
    await s.client.authOrderSet({ provider: normalizeProviderId(provider), profileIds: ids, ...s.scope });
  } else if (sub !== 'get') throw new UsageError('order needs get, set or clear.');
  const doc = remoteOrderDocument(await s.client.authStatus(s.scope), s, provider);
  if (json) out(doc);
  else process.stdout.write(`${(doc.order as string[] | null)?.join(' ') ?? '(no stored order)'}\n`);
  return 0;
}

async function remoteAddKey({ p, json }: CliContext, s: RemoteSession): Promise<number> {
  const rawProvider = str(p, 'provider');
  if (!rawProvider) throw new UsageError('--provider is required.');
  const provider = canonicalProviderForNewProfile(rawProvider);
  const wanted = str(p, 'profile-id')?.trim();
  // models.authSetApiKey takes no profile id: the gateway saves to the configured profile or <provider>:manual.
  if (wanted && wanted !== `${provider}:manual`)
    throw new UsageError(
      `--profile-id ${wanted}: a gateway chooses the profile id of a key (the configured one or ${provider}:manual); leave --profile-id out.`,
    );
  const key = await readStdin();
  if (!key) throw new UsageError('No API key on stdin.');
  let r: { profileId: string };
  try {
    r = await s.client.authSetApiKey({ provider, apiKey: key, ...s.scope });
  } catch (e) {
    throw new Error(redact((e as Error).message, [key]));
  }
  if (json) out({ provider, profileId: r.profileId, gateway: s.target.url });
  else process.stdout.write(`Saved ${r.profileId} through the gateway.\n`);
  return 0;
}

/** Local logout: every profile of the provider removed from the store, order and openclaw.json. */
async function logoutCommand({ p, opts, json }: CliContext): Promise<number> {
  const raw = str(p, 'provider');
  if (!raw) throw new UsageError('--provider is required.');
  const provider = normalizeProviderId(raw);
  const s = readable(readSnapshot(opts));
  const ids = Object.entries(s.store.profiles)
    .filter(([, c]) => normalizeProviderId(c.provider) === provider)
    .map(([id]) => id)
    .sort();
  for (const id of ids) await applyMutation(opts, { kind: 'removeProfile', profileId: id });
  const message = `Removed ${ids.length} ${provider} profile(s)${ids.length ? ` (${ids.join(', ')})` : ''}.`;
  if (json) out({ provider, removedProfiles: ids, message });
  else process.stdout.write(`${message}\n`);
  return 0;
}
