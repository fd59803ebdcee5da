import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * What every helper that runs a real server (nsca, NSCA-ng, Icinga 2, Nagios) needs of its
 * process: a free port, waiting for an exit with a bound, and killing by pid, including from an
 * exit hook so that a test process that ends early leaves no server behind.
 */

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** True once the child exited, false if it still runs after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(exited(child));
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stopped by SIGSTOP (state T in /proc); a process that is gone counts as stopped. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return true;
  }
}

export function killByPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Servers still running; one exit hook kills them all if the test process ends first. */
const livePids = new Set<number>();
let exitHookInstalled = false;

export function trackPid(pid: number): void {
  livePids.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const live of livePids) killByPid(live, 'SIGKILL');
    });
  }
}

/** The server was stopped by its helper: the exit hook leaves that pid alone. */
export function untrackPid(pid: number): void {
  livePids.delete(pid);
}

/** A plain wait, for polling a server that says nothing when it is ready. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StartOnPortOptions {
  /** The server's name in errors ("nsca", "nsca-ng"). */
  readonly name: string;
  /** What to install when the binary cannot be started. */
  readonly missing: string;
  /** A fixed port; without it, a free one per attempt. */
  readonly port?: number;
  /** Clock time (Date.now()) by which the server must be ready. */
  readonly deadline: number;
  /** Writes the server's config for `port` and spawns it. */
  readonly spawnOn: (port: number) => Promise<ChildProcess>;
  /** True once the server answers on `port` (each try bounded by itself). */
  readonly answers: (port: number) => Promise<boolean>;
  readonly pollMs: number;
  /** Where to look when it fails: its log, or its config when it logs only to syslog. */
  readonly diagnosis: () => string;
}

/**
 * Starts a server on a port and waits until it answers there. A server that exits at once has
 * most likely lost its free port to someone else between freePort() and its bind: it is tried
 * on another one (at most 5 times), or again on a fixed port, which the server stopped a
 * moment ago may still hold. Its pid is tracked from the spawn until it is stopped, so a test
 * process that dies leaves no server behind.
 */
export async function startOnPort(
  options: StartOnPortOptions,
): Promise<{ child: ChildProcess; pid: number; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const child = await options.spawnOn(port);
    const pid = child.pid;
    if (pid === undefined) {
      await new Promise((resolve) => child.once('error', resolve));
      throw new Error(`cannot start ${options.name} (${options.missing})`);
    }
    trackPid(pid);
    while (!exited(child) && Date.now() < options.deadline) {
      if (await options.answers(port)) return { child, pid, port };
      await sleep(options.pollMs);
    }
    if (!exited(child)) {
      killByPid(pid, 'SIGKILL');
      await waitForExit(child, 5000);
      untrackPid(pid);
      throw new Error(
        `${options.name} (pid ${pid}) did not answer on 127.0.0.1:${port} in time; ${options.diagnosis()}`,
      );
    }
    untrackPid(pid);
    if ((options.port === undefined && attempt >= 5) || Date.now() >= options.deadline) {
      throw new Error(
        `${options.name} exited at start (code ${String(child.exitCode)}) ${attempt} times; ${options.diagnosis()}`,
      );
    }
    if (options.port !== undefined) await sleep(200);
  }
}
