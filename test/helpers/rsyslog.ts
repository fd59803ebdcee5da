/**
 * Real rsyslogd instances for the central-collection test, each in the foreground with its own
 * config, work directory and pid file in a temp dir, started and stopped by pid.
 *
 * They run in a private network namespace whose loopback routes make a connection to
 * 127.0.0.1N come from 127.0.0.N: rsyslog 8.2302's omfwd cannot bind a TCP source address, and
 * the point of the test is that the receiver sees each sender at its own address (%fromhost-ip%),
 * as it would see two hosts. Nothing leaves that namespace's loopback; the machine's own
 * network is not touched. Unix sockets and files are shared with the test as usual.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from './child-process.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

interface Owned {
  readonly pid: number;
  readonly exited: Promise<void>;
}

function own(child: ChildProcess, what: string): Owned {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${what}`);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return { pid, exited };
}

async function stopOwned(owned: Owned): Promise<void> {
  try {
    process.kill(owned.pid, 'SIGTERM');
  } catch {
    return;
  }
  const gone = await Promise.race([owned.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!gone) {
    try {
      process.kill(owned.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    await owned.exited;
  }
}

async function waitFor(probe: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(50);
  }
}

export interface LoopbackNamespace {
  /** Run a program inside: its argv prefix. */
  readonly enter: readonly string[];
  stop(): Promise<void>;
}

/**
 * A network namespace with only a loopback, where 127.0.0.(10+N) is reached from 127.0.0.N for
 * each N in `sources`; held open by a sleeping process of ours.
 */
export async function startLoopbackNamespace(sources: readonly number[]): Promise<LoopbackNamespace> {
  const routes = sources
    .map((n) => `ip route add local 127.0.0.${10 + n}/32 dev lo src 127.0.0.${n} table local`)
    .join(' && ');
  const child = spawn(
    'unshare',
    ['--net', 'sh', '-c', `ip link set lo up && ${routes} && echo ready && exec sleep 600`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const owned = own(child, 'unshare --net');
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  await waitFor(
    () => output.includes('ready') || child.exitCode !== null,
    10_000,
    () => `the network namespace (${output})`,
  );
  if (!output.includes('ready')) throw new Error(`cannot set up the network namespace: ${output}`);
  return { enter: ['nsenter', `--net=/proc/${owned.pid}/ns/net`], stop: () => stopOwned(owned) };
}

export interface Rsyslog {
  readonly pid: number;
  readonly configFile: string;
  stop(): Promise<void>;
}

/** Listening TCP sockets (address:port) in the network namespace of process `pid`. */
export function listeningTcp(pid: number): string[] {
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && f[1] !== undefined)
    .map((f) => {
      const [hex = '', port = ''] = (f[1] ?? '').split(':');
      const bytes = (hex.match(/../g) ?? []).map((b) => parseInt(b, 16)).reverse();
      return `${bytes.join('.')}:${parseInt(port, 16)}`;
    });
}

/**
 * `rsyslogd -n -f CONF -i PIDFILE` inside `ns`, config text as given (written to DIR/NAME.conf).
 * Resolves once `ready(pid)` holds (a socket file exists, a port listens).
 */
export async function startRsyslog(
  ns: LoopbackNamespace,
  dir: string,
  name: string,
  config: string,
  ready: (pid: number) => boolean,
): Promise<Rsyslog> {
  const configFile = join(dir, `${name}.conf`);
  await writeFile(configFile, config);
  const args = [...ns.enter.slice(1), RSYSLOGD, '-n', '-f', configFile, '-i', join(dir, `${name}.pid`)];
  const child = spawn(ns.enter[0] ?? 'nsenter', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // nsenter execs rsyslogd: the pid we spawned is rsyslogd's own.
  const owned = own(child, `rsyslogd ${name}`);
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    await waitFor(
      () => child.exitCode === null && existsSync(`/proc/${owned.pid}`) && ready(owned.pid),
      15_000,
      () => `rsyslogd ${name} (${configFile}) to be ready; stderr: ${stderr}`,
    );
  } catch (err) {
    await stopOwned(owned);
    throw err;
  }
  return { pid: owned.pid, configFile, stop: () => stopOwned(owned) };
}
