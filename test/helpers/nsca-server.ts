/**
 * A real Debian /usr/sbin/nsca on 127.0.0.1, private to one test: its own nsca.cfg, command
 * file, pid file and dump file in a temp dir, a free port, the chosen decryption method and
 * password. It runs in the foreground (-f, single-process mode), so the pid we spawned is the
 * server's own and `stop()` ends exactly that process. As root it stays root: nsca_user and
 * nsca_group are set to our own ids, so it can always write the command file we created.
 *
 * Node built-ins and sibling helpers only: test/bench/ transpiles and imports it as well.
 * nsca logs only to syslog; on a machine without /dev/log a failed start is silent, so a start
 * that does not answer names the config file to look at.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, killByPid, sleep, startOnPort, untrackPid, waitForExit } from './child-process.js';

export const NSCA_BINARY = '/usr/sbin/nsca';
export const SEND_NSCA_BINARY = '/usr/sbin/send_nsca';
const INIT_PACKET_BYTES = 132;

export interface NscaServerOptions {
  /** nsca.cfg decryption_method; default 1 (XOR). */
  readonly decryptionMethod?: number;
  /** nsca.cfg password; default none (nsca refuses an empty `password=` line, so none is written). */
  readonly password?: string;
  /** How long start-up may take, including retries on a port taken meanwhile; default 15 s. */
  readonly startTimeoutMs?: number;
  /** Listen on this port (a receiver restarted where clients expect it); default a free one. */
  readonly port?: number;
  /** Append to this command file (kept across restarts); default a new one in the temp dir. */
  readonly commandFile?: string;
}

export interface NscaServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly configFile: string;
  readonly commandFile: string;
  readonly decryptionMethod: number;
  readonly password: string;
  /** The command file's lines; `latin1` gives the bytes one char each. */
  readCommandFile(encoding?: BufferEncoding): Promise<string[]>;
  /** Resolves with the lines once there are at least `count`; rejects after `timeoutMs` (default 10 s). */
  waitForLines(count: number, timeoutMs?: number, encoding?: BufferEncoding): Promise<string[]>;
  /** Whether the server process is still running. */
  running(): boolean;
  /** SIGTERM by pid (SIGKILL if it lingers), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** "[1732000000] PROCESS_..." -> "PROCESS_...": the server stamps its own clock. */
/**
 * The lines of a command file that nsca has finished writing. A line being appended can be read
 * half-written: a write that crosses a page boundary extends the file page by page, so a reader
 * between the two sees it cut short. It has not landed yet; the next read has it whole.
 */
export function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

export function withoutTimestamp(line: string): string {
  return line.replace(/^\[\d+\] /, '');
}

/** Writes a send_nsca.cfg (for send_nsca or `wrapwatch send -c`) and returns its path. */
export async function writeSendNscaConfig(
  dir: string,
  method: number,
  password: string,
  name = 'send_nsca.cfg',
): Promise<string> {
  const file = join(dir, name);
  const lines = [`# written by test/helpers/nsca-server.ts`, `encryption_method=${method}`];
  if (password !== '') lines.push(`password=${password}`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** Resolves true once the port answers with an NSCA greeting (132 bytes). */
function greets(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= INIT_PACKET_BYTES) done(true);
    });
    socket.on('error', () => {
      done(false);
    });
    socket.on('close', () => {
      done(received >= INIT_PACKET_BYTES);
    });
  });
}

export async function startNscaServer(options: NscaServerOptions = {}): Promise<NscaServer> {
  const decryptionMethod = options.decryptionMethod ?? 1;
  const password = options.password ?? '';
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-nsca-'));
  const commandFile = options.commandFile ?? join(dir, 'nagios.cmd');
  const configFile = join(dir, 'nsca.cfg');
  if (options.commandFile === undefined) await writeFile(commandFile, '');

  try {
    const { child, pid, port } = await startOnPort({
      name: 'nsca',
      missing: `${NSCA_BINARY}: is the nsca package installed?`,
      port: options.port,
      deadline,
      spawnOn: async (port) => {
        const config = [
          `pid_file=${join(dir, 'nsca.pid')}`,
          `server_port=${port}`,
          'server_address=127.0.0.1',
          `nsca_user=${process.getuid?.() ?? 0}`,
          `nsca_group=${process.getgid?.() ?? 0}`,
          'debug=0',
          `command_file=${commandFile}`,
          `alternate_dump_file=${join(dir, 'nsca.dump')}`,
          'aggregate_writes=0',
          // Without it every result is written at offset 0 of a plain file.
          'append_to_file=1',
          'max_packet_age=30',
          `decryption_method=${decryptionMethod}`,
          ...(password === '' ? [] : [`password=${password}`]),
        ];
        await writeFile(configFile, `${config.join('\n')}\n`);
        return spawn(NSCA_BINARY, ['-f', '-c', configFile, '--single'], { stdio: 'ignore' });
      },
      answers: (port) => greets(port, 1000),
      pollMs: 25,
      diagnosis: () => `it logs only to syslog. Config: ${configFile}`,
    });
    return makeServer({ child, pid, port, dir, configFile, commandFile, decryptionMethod, password });
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
  readonly configFile: string;
  readonly commandFile: string;
  readonly decryptionMethod: number;
  readonly password: string;
}

function makeServer(running: Running): NscaServer {
  const { child, pid, dir, commandFile } = running;
  let stopped: Promise<void> | undefined;

  const readCommandFile = async (encoding: BufferEncoding = 'utf8'): Promise<string[]> => {
    return completeLines(await readFile(commandFile, encoding));
  };

  return {
    host: '127.0.0.1',
    port: running.port,
    pid,
    dir,
    configFile: running.configFile,
    commandFile,
    decryptionMethod: running.decryptionMethod,
    password: running.password,
    readCommandFile,
    async waitForLines(count, timeoutMs = 10_000, encoding = 'utf8') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = await readCommandFile(encoding);
        if (lines.length >= count) return lines;
        if (Date.now() >= deadline) {
          throw new Error(
            `expected ${count} lines in ${commandFile} within ${timeoutMs} ms, found ${lines.length}:\n${lines.slice(-5).join('\n')}`,
          );
        }
        await sleep(20);
      }
    },
    running: () => !exited(child),
    stop() {
      stopped ??= (async () => {
        if (!exited(child)) {
          killByPid(pid, 'SIGTERM');
          if (!(await waitForExit(child, 3000))) {
            killByPid(pid, 'SIGKILL');
            await waitForExit(child, 5000);
          }
        }
        untrackPid(pid);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
