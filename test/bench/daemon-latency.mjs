#!/usr/bin/env node
/**
 * The running daemon, measured as a process against the real /usr/sbin/nsca:
 *
 * 1. Latency from appending a refusal to the followed file until nsca has written its result to
 *    the command file: COUNT refusals from distinct addresses (each one's first refusal is sent
 *    at once), one at a time, GAP ms apart; median, p90, p99 and max.
 * 2. The daemon's CPU time (utime + stime from /proc/PID/stat) over IDLE seconds with nothing
 *    appended, at the default poll interval, and its resident memory.
 *
 * Settings are the defaults of config/wrapwatch.toml (poll_interval_ms 1000, linger_ms 300,
 * commit_interval_seconds 1, encryption method 1), except max_results_per_minute, raised so the
 * result cap does not fold a benchmark's worth of distinct sources into storm summaries.
 *
 * Usage: npm run build && node test/bench/daemon-latency.mjs [count=500] [gapMs=20] [idleSeconds=60] [lingerMs=300]
 */
import { spawn } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import { appendFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTestHelper } from './lib/ts-helper.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/wrapwatch.cjs');
const count = Number(process.argv[2] ?? 500);
const gapMs = Number(process.argv[3] ?? 20);
const idleSeconds = Number(process.argv[4] ?? 60);
const lingerMs = Number(process.argv[5] ?? 300);
const PASSWORD = 'bench password';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The nsca helper is TypeScript: lib/ts-helper.mjs compiles it on the fly. */
function loadHelper() {
  return loadTestHelper('nsca-server');
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain blanks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  return ticks / clockTicks;
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const clockTicks = await new Promise((resolvePromise) => {
  const child = spawn('getconf', ['CLK_TCK']);
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.on('close', () => resolvePromise(Number(out.trim()) || 100));
});

/** Watches the command file and resolves, per address, when a line naming it has been written. */
function commandFileWatcher(file) {
  const waiting = new Map();
  let offset = 0;
  let partial = '';
  let reading = false;
  let again = false;
  const scan = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    do {
      again = false;
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        if (size > offset) {
          const buffer = Buffer.alloc(size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          offset = size;
          const now = process.hrtime.bigint();
          const lines = (partial + buffer.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const m = /Denied sshd from (\S+) /.exec(line);
            const done = m && waiting.get(m[1]);
            if (done) {
              waiting.delete(m[1]);
              done(now);
            }
          }
        }
      } finally {
        await handle.close();
      }
    } while (again);
    reading = false;
  };
  const watcher = watch(file, () => void scan());
  // inotify is the fast path; this only covers a missed event.
  const poll = setInterval(() => void scan(), 50);
  return {
    landed(address) {
      return new Promise((resolvePromise) => waiting.set(address, resolvePromise));
    },
    close() {
      watcher.close();
      clearInterval(poll);
    },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const helper = await loadHelper();
const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-'));
const server = await helper.startNscaServer({ decryptionMethod: 1, password: PASSWORD });
let daemon = null;
try {
  const logFile = join(dir, 'secure');
  await writeFile(logFile, '');
  const configFile = join(dir, 'wrapwatch.toml');
  await writeFile(
    configFile,
    [
      '[source]',
      `path = ${JSON.stringify(logFile)}`,
      '[state]',
      `directory = ${JSON.stringify(join(dir, 'state'))}`,
      '[nsca]',
      'host = "127.0.0.1"',
      `port = ${server.port}`,
      'encryption = 1',
      `password = ${JSON.stringify(PASSWORD)}`,
      `linger_ms = ${lingerMs}`,
      '[report]',
      'host_name = "bench-host"',
      '[throttle]',
      'max_results_per_minute = 100000',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, TZ: 'UTC' };
  delete env.JOURNAL_STREAM;
  daemon = spawn(process.execPath, [cli, 'run', '--config', configFile], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  daemon.stdout.on('data', (c) => (log += c));
  for (let waited = 0; !log.includes('"wrapwatch started"'); waited += 20) {
    if (waited > 15_000 || daemon.exitCode !== null) throw new Error(`wrapwatch did not start:\n${log}`);
    await sleep(20);
  }

  const watcher = commandFileWatcher(server.commandFile);
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const address = `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const landed = watcher.landed(address);
    // Taken before the write: the daemon may be done before appendFile's promise settles.
    const written = process.hrtime.bigint();
    await appendFile(
      logFile,
      `2026-11-21T15:39:34+00:00 web1 sshd[${1000 + i}]: refused connect from ${address} (${address})\n`,
    );
    const at = await Promise.race([landed, sleep(10_000).then(() => null)]);
    if (at === null) throw new Error(`the result for ${address} did not land within 10 s`);
    latencies.push(Number(at - written) / 1e6);
    await sleep(gapMs);
  }
  watcher.close();
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(`append -> command file, ${count} distinct-address refusals ${gapMs} ms apart, linger_ms ${lingerMs}:`);
  console.log(
    `  median ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
      `max ${latencies[latencies.length - 1].toFixed(1)} ms, min ${latencies[0].toFixed(1)} ms, mean ${mean.toFixed(1)} ms`,
  );

  if (idleSeconds > 0) {
    // Let the last delivery, its linger and the next commit finish first.
    await sleep(3000);
    const before = cpuSeconds(daemon.pid);
    const started = process.hrtime.bigint();
    await sleep(idleSeconds * 1000);
    const after = cpuSeconds(daemon.pid);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `idle: ${(after - before).toFixed(2)} CPU seconds in ${wall.toFixed(1)} s (${(((after - before) / wall) * 100).toFixed(3)} % of one core; ` +
        `clock tick ${(1000 / clockTicks).toFixed(0)} ms), RSS ${rssMiB(daemon.pid).toFixed(1)} MiB`,
    );
  }
} finally {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((r) => daemon.once('exit', r));
    process.kill(daemon.pid, 'SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (daemon.exitCode === null && daemon.signalCode === null) process.kill(daemon.pid, 'SIGKILL');
  }
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
