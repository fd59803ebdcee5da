// A real `wrapwatch run` for the daemon benchmarks: its own temp dir, log file, state directory
// and config, delivering to its own real nsca on 127.0.0.1. The daemon's JSON log (stdout) is
// kept with the time each line arrived; /proc gives its CPU and memory.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, watch } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, loadNscaHelper } from './nsca.mjs';
import { sleep } from './measure.mjs';

export const PASSWORD = 'bench password';

/** TOML for the sections given as { section: { key: value } } (strings, numbers, booleans). */
function toToml(doc) {
  const value = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  return Object.entries(doc)
    .map(([section, keys]) => `[${section}]\n${Object.entries(keys).map(([k, v]) => `${k} = ${value(v)}`).join('\n')}\n`)
    .join('\n');
}

/**
 * Starts nsca and the daemon following `log` (created empty). `sections` override or extend the
 * config (e.g. { throttle: { max_results_per_minute: 100000 } }). Resolves once the daemon has
 * logged that it started.
 */
export async function startDaemon({ sections = {}, method = 1, startTimeoutMs = 20_000, env = {} } = {}) {
  const helper = await loadNscaHelper();
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-daemon-'));
  const log = join(dir, 'auth.log');
  await writeFile(log, '');
  const server = await helper.startNscaServer({ decryptionMethod: method, password: PASSWORD });
  const base = {
    source: { type: 'file', path: log, start_at: 'end', timezone: 'UTC' },
    state: { directory: join(dir, 'state') },
    nsca: { host: server.host, port: server.port, encryption: method, password: PASSWORD },
    report: { host_name: 'bench' },
    log: { level: 'info' },
  };
  const doc = { ...base };
  for (const [section, keys] of Object.entries(sections)) doc[section] = { ...(doc[section] ?? {}), ...keys };
  const config = join(dir, 'wrapwatch.toml');
  await writeFile(config, toToml(doc));

  const child = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC', ...env } });
  const logLines = [];
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logLines.push({ at: Date.now(), ...JSON.parse(line) });
    } catch {
      logLines.push({ at: Date.now(), msg: line });
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let alive = true;
  void exited.then(() => (alive = false));

  const stop = async () => {
    if (alive) {
      process.kill(child.pid, 'SIGTERM');
      let timer;
      const done = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 25_000, null)))]);
      clearTimeout(timer);
      if (done === null && alive) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!logLines.some((l) => l.msg === 'wrapwatch started')) {
    if (!alive || Date.now() > deadline) {
      await stop();
      throw new Error(`wrapwatch run did not start: ${stderr.slice(0, 800)} ${logLines.map((l) => l.msg).join(' | ').slice(0, 800)}`);
    }
    await sleep(20);
  }
  return { pid: child.pid, dir, log, config, server, logLines, stop, stderr: () => stderr, exited };
}

/** Calls `onLine` for every new line of `file` as soon as inotify (or the fallback poll) reports it. */
export function followLines(file, onLine) {
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 16);
  let offset = 0;
  let partial = '';
  const drain = () => {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      if (n <= 0) return;
      offset += n;
      const text = partial + buffer.toString('latin1', 0, n);
      const lines = text.split('\n');
      partial = lines.pop();
      const at = process.hrtime.bigint();
      for (const line of lines) onLine(line, at);
    }
  };
  const watcher = watch(file, drain);
  const poll = setInterval(drain, 20);
  return () => {
    watcher.close();
    clearInterval(poll);
    closeSync(fd);
  };
}
