/**
 * A real Debian NSCA-ng server (/usr/sbin/nsca-ng from nsca-ng-server) on 127.0.0.1, private to
 * one test: its nsca-ng.cfg, a FIFO as command file, a temp directory for its spill files, all in
 * a temp dir; a free port; `authorize` blocks for the identities the test names. It runs in the
 * foreground (-F), so the pid we spawned is the server's own and `stop()` ends exactly that one.
 *
 * The test is the Nagios here: it holds the FIFO open and reads the command lines back, and it
 * follows `PROCESS_FILE;<file>;1` lines as Nagios does (reads the file, deletes it), since
 * NSCA-ng spills to such files when the pipe is full. It can stop reading (a hung Nagios: the
 * pipe fills) or close the FIFO (Nagios stopped: no reader at all).
 *
 * Node built-ins and sibling helpers only: test/bench/ transpiles and imports it as well.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, isStopped, killByPid, sleep, startOnPort, untrackPid, waitForExit } from './child-process.js';

export const NSCA_NG_BINARY = '/usr/sbin/nsca-ng';

/** One `authorize` block. Patterns are NSCA-ng's (POSIX extended regex against names). */
export interface NscaNgIdentity {
  readonly identity: string;
  readonly password: string;
  /** `hosts = …`: host check results for hosts matching this; default ".*". */
  readonly hosts?: string;
  /** `services = …`: `service@host` (host part optional), each a regex; default ".*". */
  readonly services?: string;
}

export interface NscaNgServerOptions {
  /** Default: one identity "wrapwatch-test" with password "nsca-ng-test-key", allowed everything. */
  readonly identities?: readonly NscaNgIdentity[];
  /** Seconds of client silence before the server BAILs ("Connection timed out"); default 60. */
  readonly timeoutSeconds?: number;
  /** Megabytes queued while nothing reads the FIFO before it throws the queue away; default 1024. */
  readonly maxQueueMegabytes?: number;
  /** Commands longer than this are refused ("FAIL PUSH data size too large"); default 16384. */
  readonly maxCommandSize?: number;
  /** Listen on this port (a receiver restarted where clients expect it); default a free one. */
  readonly port?: number;
  /** Start without a reader on the FIFO (Nagios down); default false. */
  readonly noReader?: boolean;
  readonly startTimeoutMs?: number;
}

export interface NscaNgServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly commandFile: string;
  readonly identities: readonly NscaNgIdentity[];
  /** Command lines read so far (PROCESS_FILE lines replaced by the file's lines), in order. */
  lines(): string[];
  /** Resolves with the lines once there are at least `count`; rejects after `timeoutMs` (default 10 s). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** What the server wrote to stderr so far (its log, at log level 3 and up). */
  log(): string;
  /** Stop reading the FIFO: the pipe fills as behind a hung Nagios. */
  pauseReader(): void;
  resumeReader(): void;
  /** Close the FIFO: nothing reads it, as while Nagios is stopped. */
  closeReader(): void;
  /** Open the FIFO again and read on. */
  openReader(): void;
  /** SIGSTOP, resolved once the process has really stopped (kill() returns before). */
  freeze(): Promise<void>;
  thaw(): void;
  running(): boolean;
  /** SIGTERM by pid (SIGKILL if it lingers). With `keepDir` the dir stays for a restart. Idempotent. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export const DEFAULT_IDENTITY: NscaNgIdentity = { identity: 'wrapwatch-test', password: 'nsca-ng-test-key' };

/** "[1732000000] PROCESS_..." -> "PROCESS_...": the client stamps its own clock. */
export function withoutTimestamp(line: string): string {
  return line.replace(/^\[\d+\] /, '');
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function listens(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    function done(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/**
 * Reads the FIFO as Nagios would: line by line, following PROCESS_FILE lines. Opened read-write
 * so that it never sees end-of-file between NSCA-ng's writes, and as a libuv pipe so that a
 * pause really stops reading (the kernel pipe then fills).
 */
class FifoReader {
  private socket: Socket | null = null;
  private partial = '';
  private readonly collected: string[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  open(): void {
    if (this.socket) return;
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    const socket = new Socket({ fd, readable: true, writable: false });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.take(chunk);
    });
    socket.on('error', () => undefined);
    this.socket = socket;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  lines(): string[] {
    return [...this.collected];
  }

  /** Waits for PROCESS_FILE expansions still being read. */
  settled(): Promise<void> {
    return this.chain;
  }

  private take(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    // In order: what follows a PROCESS_FILE waits for the file's lines, as it would in Nagios.
    for (const line of parts) this.chain = this.chain.then(() => this.process(line));
  }

  /** A spill file may itself name the next one (the pipe stayed full): followed recursively. */
  private async process(line: string): Promise<void> {
    const spill = /^\[\d+\] PROCESS_FILE;(.*);1$/.exec(line);
    if (!spill) {
      this.collected.push(line);
      return;
    }
    const file = spill[1] ?? '';
    const text = await readFile(file, 'utf8');
    for (const inner of text.split('\n')) if (inner !== '') await this.process(inner);
    await unlink(file);
  }
}

export async function startNscaNgServer(options: NscaNgServerOptions = {}): Promise<NscaNgServer> {
  const identities = options.identities ?? [DEFAULT_IDENTITY];
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-nsca-ng-'));
  const commandFile = join(dir, 'nagios.cmd');
  const spillDir = join(dir, 'spill');
  const configFile = join(dir, 'nsca-ng.cfg');
  try {
    await mkdir(spillDir);
    const made = spawnSync('mkfifo', ['-m', '0600', commandFile]);
    if (made.status !== 0) throw new Error(`mkfifo ${commandFile} failed: ${made.stderr.toString()}`);
    const reader = new FifoReader(commandFile);
    if (!options.noReader) reader.open();

    let log = '';
    const { child, pid, port } = await startOnPort({
      name: 'nsca-ng',
      missing: `${NSCA_NG_BINARY}: is the nsca-ng-server package installed?`,
      port: options.port,
      deadline,
      spawnOn: async (port) => {
        const config = [
          '# written by test/helpers/nsca-ng-server.ts',
          `command_file = ${quote(commandFile)}`,
          `listen = ${quote(`127.0.0.1:${port}`)}`,
          `temp_directory = ${quote(spillDir)}`,
          `timeout = ${(options.timeoutSeconds ?? 60).toFixed(1)}`,
          `max_queue_size = ${options.maxQueueMegabytes ?? 1024}`,
          `max_command_size = ${options.maxCommandSize ?? 16384}`,
          'log_level = 3',
          ...identities.flatMap((id) => [
            `authorize ${quote(id.identity)} {`,
            `  password = ${quote(id.password)}`,
            `  hosts = ${quote(id.hosts ?? '.*')}`,
            `  services = ${quote(id.services ?? '.*')}`,
            '}',
          ]),
        ];
        await writeFile(configFile, `${config.join('\n')}\n`);
        const child = spawn(NSCA_NG_BINARY, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
        log = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (text: string) => (log += text));
        return child;
      },
      answers: (port) => listens(port, 1000),
      pollMs: 20,
      diagnosis: () => `its log:\n${log}`,
    });
    return makeServer({ child, pid, port, dir, commandFile, identities, reader, log: () => log });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
  readonly commandFile: string;
  readonly identities: readonly NscaNgIdentity[];
  readonly reader: FifoReader;
  readonly log: () => string;
}

function makeServer(running: Running): NscaNgServer {
  const { child, pid, dir, reader } = running;
  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: running.port,
    pid,
    dir,
    commandFile: running.commandFile,
    identities: running.identities,
    lines: () => reader.lines(),
    async waitForLines(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await reader.settled();
        const lines = reader.lines();
        if (lines.length >= count) return lines;
        if (Date.now() >= until) {
          throw new Error(
            `expected ${count} command lines within ${timeoutMs} ms, read ${lines.length}:\n${lines.slice(-5).join('\n')}\nserver log tail:\n${running.log().slice(-2000)}`,
          );
        }
        await sleep(20);
      }
    },
    log: running.log,
    pauseReader: () => {
      reader.pause();
    },
    resumeReader: () => {
      reader.resume();
    },
    closeReader: () => {
      reader.close();
    },
    openReader: () => {
      reader.open();
    },
    async freeze() {
      killByPid(pid, 'SIGSTOP');
      const until = Date.now() + 5000;
      while (!isStopped(pid) && Date.now() < until) await sleep(5);
    },
    thaw: () => {
      killByPid(pid, 'SIGCONT');
    },
    running: () => !exited(child),
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        if (!exited(child)) {
          killByPid(pid, 'SIGTERM');
          if (!(await waitForExit(child, 3000))) {
            killByPid(pid, 'SIGKILL');
            await waitForExit(child, 5000);
          }
        }
        untrackPid(pid);
        reader.close();
        if (!stopOptions.keepDir) await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Opens and closes a descriptor on the FIFO: proves the path is a FIFO a writer can open. */
export function fifoHasReader(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}
