/**
 * `wrapwatch run` as a real child process, for end-to-end tests: a private temp dir (followed
 * log, state dir, config), a TOML config writer, the daemon's JSON log lines parsed as they
 * arrive, signals sent by pid, and a bounded wait for exit.
 *
 * Every daemon started here is remembered; `cleanupDaemons()` (call it in afterEach) SIGKILLs
 * by pid the ones still running and removes the temp dirs, so a failed test leaves nothing
 * behind. An exit hook does the killing too, should the test worker itself end first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'smol-toml';
import { afterEach, beforeAll } from 'vitest';
import { assertBuilt } from './built-dist.js';
import { CLI } from './cli.js';
import { completeLines, startNscaServer, type NscaServer, type NscaServerOptions } from './nsca-server.js';

import { sleep } from './child-process.js';

export { sleep };

/** Polls `probe` until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(25);
  }
}

/** One line the daemon logged (pino JSON); `raw` is the line exactly as printed. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly raw: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type LogMatch = string | ((record: LogRecord) => boolean);

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A place of its own for one test: the followed log, the state dir and the config live here. */
export interface Workspace {
  readonly dir: string;
  /** The followed log file (not created: tests decide when it appears). */
  readonly logFile: string;
  readonly stateDir: string;
  readonly configFile: string;
}

/** The receiver a test's daemon talks to. */
export interface ReceiverRef {
  readonly port: number;
  readonly password: string;
  readonly decryptionMethod: number;
}

/** TOML tables by name; `rule` is the array of `[[rule]]` tables. */
export type ConfigTables = Record<string, Record<string, unknown> | Record<string, unknown>[]>;

const liveChildren = new Map<number, ChildProcess>();
const workspaces = new Set<string>();
let exitHookInstalled = false;

function killByPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function track(child: ChildProcess, pid: number): void {
  liveChildren.set(pid, child);
  child.once('exit', () => liveChildren.delete(pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const live of liveChildren.keys()) killByPid(live, 'SIGKILL');
    });
  }
}

export async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-e2e-'));
  workspaces.add(dir);
  return { dir, logFile: join(dir, 'secure'), stateDir: join(dir, 'state'), configFile: join(dir, 'wrapwatch.toml') };
}

/**
 * A config for tests: fast polling, commits and reconnects, a fixed Nagios host, no storm cap
 * in the way, no periodic stats. `overrides` replace keys table by table (`rule` whole).
 */
export function testConfig(ws: Workspace, receiver: ReceiverRef | null, overrides: ConfigTables = {}): ConfigTables {
  const base: ConfigTables = {
    source: { path: ws.logFile, start_at: 'end', poll_interval_ms: 100, rotation_grace_seconds: 0.3, timezone: 'UTC' },
    state: { directory: ws.stateDir, commit_interval_seconds: 0.2 },
    nsca: {
      host: '127.0.0.1',
      port: receiver?.port ?? 9,
      encryption: receiver?.decryptionMethod ?? 1,
      ...(receiver && receiver.password !== '' ? { password: receiver.password } : {}),
      timeout_seconds: 2,
      linger_ms: 150,
      reconnect_min_seconds: 0.05,
      reconnect_max_seconds: 0.3,
    },
    report: { host_name: 'e2e-host' },
    throttle: { window_seconds: 0.5, max_results_per_minute: 100_000 },
    log: { level: 'info', stats_interval_seconds: 0 },
  };
  const out: ConfigTables = { ...base };
  for (const [table, value] of Object.entries(overrides)) {
    const before = base[table];
    out[table] =
      Array.isArray(value) || before === undefined || Array.isArray(before) ? value : { ...before, ...value };
  }
  return out;
}

export async function writeConfig(file: string, tables: ConfigTables): Promise<void> {
  await writeFile(file, stringify(tables));
}

/** Appends whole lines (newline-terminated) in one write, as syslog does. */
export async function appendLines(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await appendFile(file, lines.map((line) => `${line}\n`).join(''));
}

/** A libwrap refusal as sshd (or a tcpd-wrapped daemon) logs it, with an explicit RFC 3339 time. */
export function refusalLine(
  address: string,
  options: { daemon?: string; pid?: number; host?: string; time?: string; client?: string } = {},
): string {
  const time = options.time ?? '2026-11-21T15:39:34+00:00';
  return `${time} ${options.host ?? 'web1'} ${options.daemon ?? 'sshd'}[${options.pid ?? 4242}]: refused connect from ${options.client ?? address} (${address})`;
}

/** A log field as text: strings as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** The `refusals=N` perfdata of a command-file line (every wrapwatch result carries it). */
export function refusalsOf(line: string): number {
  const m = / \| refusals=(\d+) sources=\d+$/.exec(line);
  if (!m) throw new Error(`no wrapwatch perfdata in: ${line}`);
  return Number(m[1]);
}

/** The command file's complete lines ([] while it does not exist). */
export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return completeLines(text);
}

function parseLogLine(raw: string): LogRecord | null {
  // Under JOURNAL_STREAM every line starts with the syslog priority, e.g. "<6>".
  const json = raw.replace(/^<\d>/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  return {
    level: typeof fields.level === 'number' ? fields.level : -1,
    msg: typeof fields.msg === 'string' ? fields.msg : '',
    raw,
    fields,
  };
}

function matches(record: LogRecord, match: LogMatch): boolean {
  return typeof match === 'string' ? record.msg.includes(match) : match(record);
}

export interface StartOptions {
  readonly configFile: string;
  readonly dryRun?: boolean;
  /** Added to the environment (TZ=UTC, and JOURNAL_STREAM removed, unless set here). */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory (relative paths in the config are relative to it). */
  readonly cwd?: string;
  /** Run as this uid/gid through setpriv (the test must run as root; see `canDropPrivileges`). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** The program that is wrapwatch, with its leading arguments; default: this node with dist/wrapwatch.cjs (the packaging tests run the installed one). */
  readonly command?: readonly [string, ...string[]];
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Whether any user can reach `path` (every parent searchable) and read (or run) it. */
function openToOthers(path: string): boolean {
  try {
    if ((statSync(path).mode & 0o005) === 0) return false;
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) return false;
      if (dir === dirname(dir)) return true;
    }
  } catch {
    return false;
  }
}

/**
 * True where a test may start the daemon as another user: root, util-linux's setpriv, and a
 * checkout and node that other users can read (not so under a 0700 /root, for example).
 */
export const canDropPrivileges =
  process.getuid?.() === 0 && SETPRIV !== undefined && openToOthers(CLI) && openToOthers(process.execPath);

/** nobody/nogroup on Debian. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** One running `wrapwatch run`. */
export class DaemonProcess {
  readonly pid: number;
  /** Every stdout / stderr line so far (complete lines only). */
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  private readonly logStream: 'stdout' | 'stderr';
  private readonly exit: Promise<ExitStatus>;
  private status: ExitStatus | null = null;

  constructor(child: ChildProcess, pid: number, dryRun: boolean) {
    this.pid = pid;
    // In a dry run stdout carries the results and the log goes to stderr.
    this.logStream = dryRun ? 'stderr' : 'stdout';
    this.collect(child.stdout, this.stdoutLines);
    this.collect(child.stderr, this.stderrLines);
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  private collect(stream: NodeJS.ReadableStream | null, into: string[]): void {
    if (stream === null) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts);
    });
    stream.on('end', () => {
      if (partial !== '') into.push(partial);
      partial = '';
    });
  }

  /** The log lines parsed so far (after line `after`); a line that is not JSON is skipped here (see `logLines`). */
  records(after = 0): LogRecord[] {
    const out: LogRecord[] = [];
    for (const raw of this.logLines().slice(after)) {
      const record = parseLogLine(raw);
      if (record !== null) out.push(record);
    }
    return out;
  }

  logLines(): string[] {
    return this.logStream === 'stdout' ? this.stdoutLines : this.stderrLines;
  }

  /** How many log lines there are now: pass it as `after` to wait only for newer ones. */
  mark(): number {
    return this.logLines().length;
  }

  /** The first log record (after line `after`) that matches; rejects after `timeoutMs` or if the daemon exits. */
  waitForLog(match: LogMatch, options: { timeoutMs?: number; after?: number } = {}): Promise<LogRecord> {
    const after = options.after ?? 0;
    return eventually(
      () => {
        const lines = this.logLines();
        for (let i = after; i < lines.length; i++) {
          const record = parseLogLine(lines[i] ?? '');
          if (record !== null && matches(record, match)) return record;
        }
        if (this.status !== null)
          throw new Error(`wrapwatch exited (${this.describeExit()}) before logging ${String(match)}:\n${this.tail()}`);
        return undefined;
      },
      options.timeoutMs ?? 10_000,
      () => `wrapwatch to log ${String(match)}; its last lines:\n${this.tail()}`,
    );
  }

  /** Resolves once the daemon logged that it started following and sending. */
  started(timeoutMs = 10_000): Promise<LogRecord> {
    return this.waitForLog('wrapwatch started', { timeoutMs });
  }

  signal(signal: NodeJS.Signals): void {
    killByPid(this.pid, signal);
  }

  running(): boolean {
    return this.status === null;
  }

  /** The exit status; rejects (leaving the process to cleanupDaemons) if it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`wrapwatch (pid ${this.pid}) still running after ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL, as a crash or the OOM killer would, and wait until it is gone. */
  async crash(): Promise<void> {
    this.signal('SIGKILL');
    await this.waitForExit(5000);
  }

  private describeExit(): string {
    return this.status === null ? 'running' : `code ${String(this.status.code)}, signal ${String(this.status.signal)}`;
  }

  /** The last log and stderr lines, for failure messages. */
  tail(count = 15): string {
    const stderr = this.logStream === 'stderr' ? [] : this.stderrLines.slice(-5).map((l) => `stderr: ${l}`);
    return [...this.logLines().slice(-count), ...stderr].join('\n');
  }
}

/** Spawns `node dist/wrapwatch.cjs run --config FILE [--dry-run]`; the pid is node's own. */
export function startDaemon(options: StartOptions): DaemonProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
  // The test runner itself may run under systemd: the plain JSON format is the default here.
  delete env.JOURNAL_STREAM;
  // Nor may it talk to the runner's own service manager or write into its runtime directory.
  for (const name of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'RUNTIME_DIRECTORY']) delete env[name];
  Object.assign(env, options.env ?? {});
  const [program, ...leading] = options.command ?? [process.execPath, CLI];
  const args = [...leading, 'run', '--config', options.configFile, ...(options.dryRun ? ['--dry-run'] : [])];
  const user = options.user;
  // setpriv execs the program in place: the pid is still its own.
  const [command, argv] =
    user === undefined || SETPRIV === undefined
      ? [program, args]
      : [SETPRIV, [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', program, ...args]];
  const child = spawn(command, argv, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${program} ${args.join(' ')}`);
  track(child, pid);
  return new DaemonProcess(child, pid, options.dryRun === true);
}

/** afterEach: SIGKILL (by pid) every daemon still running, wait for each, remove the temp dirs. */
export async function cleanupDaemons(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const [pid, child] of liveChildren) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    waits.push(new Promise((resolve) => child.once('exit', resolve)));
    killByPid(pid, 'SIGKILL');
  }
  await Promise.all(waits);
  liveChildren.clear();
  await Promise.all([...workspaces].map((dir) => rm(dir, { recursive: true, force: true })));
  workspaces.clear();
}

const receivers: NscaServer[] = [];

/** A real nsca for the current test; `useE2eLifecycle` stops it after the test. */
export async function startReceiver(options?: NscaServerOptions): Promise<NscaServer> {
  const server = await startNscaServer(options);
  receivers.push(server);
  return server;
}

/**
 * The hooks every end-to-end file needs: the built CLI must be newer than its sources, and the
 * daemons and receivers a test started are stopped (by pid) after it, even when it failed.
 */
export function useE2eLifecycle(): void {
  beforeAll(() => {
    assertBuilt(['cli', 'daemon', 'sink', 'source', 'state', 'throttle', 'parse', 'log', 'config', 'status']);
  });
  afterEach(async () => {
    await cleanupDaemons();
    await Promise.all(receivers.splice(0).map((s) => s.stop()));
  });
}
