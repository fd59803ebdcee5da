// What every whole-process benchmark needs: run a command and measure it, read a live
// process's CPU and peak memory from /proc, and summarise repeated runs robustly.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/** The median; for an even count the mean of the two middle values. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p% of samples at or below it. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Rotates `list` by `run` places: run 0 keeps the order, run 1 starts with the second, ... */
export function rotated(list, run) {
  const k = run % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const fmt = {
  int: (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : 'n/a'),
  fixed: (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a'),
  mib: (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a'),
  ratio: (n) => (Number.isFinite(n) ? `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}x` : 'n/a'),
};

/**
 * Runs `command args` under GNU time: wall time from our own clock (ns resolution), peak RSS,
 * user and system CPU from time's report (the kernel's rusage of the child). stdout is
 * captured when `capture` is set, else discarded (like `> /dev/null`).
 */
export async function timeCommand(command, args, { capture = false, input } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-time-'));
  const report = join(dir, 'time.txt');
  try {
    const started = process.hrtime.bigint();
    const result = await new Promise((resolve, reject) => {
      const child = spawn(GNU_TIME, ['-o', report, '-f', '%M %U %S %x', command, ...args], {
        stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'ignore', 'pipe'],
      });
      const out = [];
      let err = '';
      child.stdout?.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: err }));
      if (input !== undefined) {
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
      }
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [maxRssKiB, user, system] = (await readFile(report, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
    return { ...result, seconds, maxRssKiB, cpuSeconds: user + system };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let clockTicks;
/** Clock ticks per second of /proc/PID/stat's utime and stime (100 on Linux nearly everywhere). */
function ticksPerSecond() {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/**
 * A running process as /proc shows it: CPU seconds used so far (utime + stime, clock-tick
 * resolution), peak resident set (VmHWM) and current resident set (VmRSS), in KiB.
 * Null once the process is gone.
 */
export function procSample(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold blanks: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    // cutime + cstime: children it waited for (systemd-notify under a notify socket).
    const childCpuSeconds = (Number(fields[13]) + Number(fields[14])) / ticksPerSecond();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { cpuSeconds, childCpuSeconds, peakRssKiB: kib('VmHWM'), rssKiB: kib('VmRSS') };
  } catch {
    return null;
  }
}

/** The machine, for the report: what the figures were measured on. */
export function machineInfo() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKiB = Number(
    /^MemTotal:\s+(\d+)/m.exec(existsSync('/proc/meminfo') ? readFileSync('/proc/meminfo', 'utf8') : '')?.[1] ?? NaN,
  );
  const os = existsSync('/etc/os-release')
    ? /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]
    : undefined;
  const run = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: Number(run('nproc', [])),
    cpuModel: model,
    memory: `${(memKiB / 1048576).toFixed(1)} GiB`,
    node: process.version,
    kernel: run('uname', ['-r']),
    os: os ?? 'unknown',
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}
