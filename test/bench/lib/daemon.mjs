// A real `wrapwatch run` for the daemon benchmarks: its own temp dir, log file, state directory
// and config, delivering to its own real nsca on 127.0.0.1. The daemon's JSON log (stdout) is
// kept with the time each line arrived; /proc gives its CPU and memory.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, watch } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, CLI_NODE_FLAGS, loadNscaHelper, parseCommandLine, REPO_ROOT } from './nsca.mjs';
import { sleep } from './measure.mjs';

export const PASSWORD = 'bench password';

/**
 * The Node options the systemd unit gives the daemon (its `Environment=NODE_OPTIONS=...`), so
 * the daemon is measured as it runs in production; BENCH_NODE_OPTIONS overrides them (for
 * comparing heap settings).
 */
export const UNIT_NODE_OPTIONS =
  process.env.BENCH_NODE_OPTIONS ??
  /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(
    readFileSync(join(REPO_ROOT, 'systemd/wrapwatch.service'), 'utf8'),
  )?.[1] ??
  '';

/** TOML for the sections given as { section: { key: value } } (strings, numbers, booleans). */
function toToml(doc) {
  const value = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  return Object.entries(doc)
    .map(
      ([section, keys]) =>
        `[${section}]\n${Object.entries(keys)
          .map(([k, v]) => `${k} = ${value(v)}`)
          .join('\n')}\n`,
    )
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

  let proc = spawnDaemon(config, env);
  const stopProcess = async () => {
    if (!proc.alive) return;
    process.kill(proc.child.pid, 'SIGTERM');
    let timer;
    const done = await Promise.race([
      proc.exited,
      new Promise((resolve) => (timer = setTimeout(resolve, 25_000, null))),
    ]);
    clearTimeout(timer);
    if (done === null && proc.alive) {
      process.kill(proc.child.pid, 'SIGKILL');
      await proc.exited;
    }
  };
  const stop = async () => {
    await stopProcess();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const started = async () => {
    const deadline = Date.now() + startTimeoutMs;
    while (!proc.logLines.some((l) => l.msg === 'wrapwatch started')) {
      if (!proc.alive || Date.now() > deadline) {
        await stop();
        throw new Error(
          `wrapwatch run did not start: ${proc.stderr().slice(0, 800)} ${proc.logLines
            .map((l) => l.msg)
            .join(' | ')
            .slice(0, 800)}`,
        );
      }
      await sleep(20);
    }
  };
  await started();
  const handle = {
    get pid() {
      return proc.child.pid;
    },
    get logLines() {
      return proc.logLines;
    },
    get exited() {
      return proc.exited;
    },
    stderr: () => proc.stderr(),
    dir,
    log,
    config,
    server,
    stop,
    /**
     * Stops the daemon (SIGTERM: it drains and commits its checkpoint), runs `whileDown`, and
     * starts it again with the same config and state; resolves with the time (epoch ms) the
     * new process was spawned, once it has logged that it started.
     */
    async restart(whileDown = async () => undefined) {
      await stopProcess();
      await whileDown();
      const spawnedAt = Date.now();
      proc = spawnDaemon(config, env);
      await started();
      return spawnedAt;
    },
  };
  return handle;
}

/** One `wrapwatch run` process; its JSON log lines are kept with their arrival time. */
function spawnDaemon(config, env) {
  // BENCH_NODE_FLAGS: extra node flags for profiling (--cpu-prof, --heap-prof), not allowed in NODE_OPTIONS.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...CLI_NODE_FLAGS, CLI, 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC', NODE_OPTIONS: UNIT_NODE_OPTIONS, ...env },
  });
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
  const proc = { child, logLines, stderr: () => stderr, alive: true, exited: null };
  proc.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void proc.exited.then(() => (proc.alive = false));
  return proc;
}

/**
 * The results nsca writes to `commandFile`, as they land: each parsed, stamped with when it was
 * seen, and marked if it is a storm or overflow summary. `stop()` ends the watch.
 */
export function collectLanded(commandFile) {
  const landed = [];
  const stop = followLines(commandFile, (line) => {
    const result = parseCommandLine(line);
    if (result)
      landed.push({
        at: Date.now(),
        ...result,
        storm: line.includes(';Storm: '),
        overflow: line.includes(';Too many sources'),
      });
  });
  return { landed, stop };
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
