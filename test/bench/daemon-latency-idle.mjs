#!/usr/bin/env node
/**
 * The daemon at rest and under a trickle, against the real nsca on 127.0.0.1:
 *
 * latency  From appending one refusal line to the followed log until nsca has written its
 *          result to the command file. Refusals arrive open-loop (Poisson, `--rate` per second,
 *          independent of the daemon, as real ones do), each from a new address so each gives
 *          an immediate "first" result. The result cap is raised for this run (100,000/min),
 *          or the default 30/min would fold most samples into a storm summary. The command
 *          file is watched with inotify (fs.watch) plus a 20 ms poll as a fallback.
 * idle     CPU seconds (utime + stime from /proc, 10 ms ticks) a daemon with the default config
 *          uses over a minute in which nothing is logged, once its start has settled, and its
 *          resident memory. Settled means 20 s after the start: V8 shrinks the heap the start
 *          left behind about 8 s after it (two full collections, "Mark-Compact (reduce)" with
 *          --trace-gc), once per start. That settling is measured and reported on its own.
 *
 *   npm run build && node test/bench/daemon-latency-idle.mjs [--samples 200] [--rate 5] [--idle-seconds 60]
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { followLines, startDaemon, UNIT_NODE_OPTIONS } from './lib/daemon.mjs';
import { median, percentile, procSample, sleep } from './lib/measure.mjs';

/** A refusal as Debian 12's rsyslog writes it (RSYSLOG_FileFormat), from a unique address. */
function refusalLine(i) {
  const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const now = new Date();
  return {
    address,
    text: `${now.toISOString().slice(0, 23)}000+00:00 gate sshd[${4000 + (i % 1000)}]: refused connect from ${address} (${address})\n`,
  };
}

function summarise(addresses, latencies, extra) {
  const values = addresses.filter((a) => latencies.has(a)).map((a) => latencies.get(a));
  return {
    ...extra,
    landed: values.length,
    medianMs: median(values),
    p99Ms: percentile(values, 99),
    maxMs: Math.max(...values),
    under100ms: values.filter((v) => v < 100).length,
  };
}

export async function measureLatency({
  samples = 200,
  rate = 5,
  isolated = 30,
  gapMs = 500,
  warmup = 5,
  progress = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  const daemon = await startDaemon({ sections: { throttle: { max_results_per_minute: 100_000 } } });
  try {
    const appended = new Map();
    const latencies = new Map();
    const stopFollowing = followLines(daemon.server.commandFile, (line, at) => {
      const m = /Denied sshd from (\S+) /.exec(line);
      const sent = m ? appended.get(m[1]) : undefined;
      if (sent !== undefined && !latencies.has(m[1])) latencies.set(m[1], Number(at - sent) / 1e6);
    });
    const logFd = openSync(daemon.log, 'a');
    const append = (i) => {
      const { address, text } = refusalLine(i);
      appended.set(address, process.hrtime.bigint());
      writeSync(logFd, text);
      return address;
    };
    try {
      // Warm-up: the first connection and the JIT's first compilations are not what a running daemon sees.
      for (let i = 0; i < warmup; i++) {
        const address = append(1_000_000 + i);
        const deadline = Date.now() + 10_000;
        while (!latencies.has(address) && Date.now() < deadline) await sleep(10);
        await sleep(400);
      }
      // Open loop: append times fixed in advance (exponential gaps), whatever the daemon does.
      let seed = 12345;
      const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const start = performance.now();
      let at = 0;
      const measured = [];
      for (let i = 0; i < samples; i++) {
        at += (-Math.log(1 - random()) / rate) * 1000;
        const wait = start + at - performance.now();
        if (wait > 0) await sleep(wait);
        measured.push(append(i));
      }
      const deadline = Date.now() + 10_000;
      while (measured.some((a) => !latencies.has(a)) && Date.now() < deadline) await sleep(20);
      const trickle = summarise(measured, latencies, { samples, ratePerSecond: rate });
      progress(
        `  latency, Poisson ${rate}/s: ${trickle.landed}/${samples} landed, median ${trickle.medianMs.toFixed(1)} ms, p99 ${trickle.p99Ms.toFixed(1)} ms, max ${trickle.maxMs.toFixed(1)} ms`,
      );

      // Closed loop: each refusal appended `gapMs` after the previous result landed, so no
      // delivery is still in progress: the pipeline's own latency, without queueing.
      const isolatedMeasured = [];
      for (let i = 0; i < isolated; i++) {
        await sleep(gapMs);
        const address = append(2_000_000 + i);
        isolatedMeasured.push(address);
        const until = Date.now() + 10_000;
        while (!latencies.has(address) && Date.now() < until) await sleep(2);
      }
      const alone = summarise(isolatedMeasured, latencies, { samples: isolated, gapMs });
      progress(
        `  latency, one at a time ${gapMs} ms apart: ${alone.landed}/${isolated} landed, median ${alone.medianMs.toFixed(1)} ms, p99 ${alone.p99Ms.toFixed(1)} ms, max ${alone.maxMs.toFixed(1)} ms`,
      );
      return { trickle, isolated: alone, lingerMs: 300 };
    } finally {
      closeSync(logFd);
      stopFollowing();
    }
  } finally {
    await daemon.stop();
  }
}

/** The yardstick for the daemon's idle memory: a Node process that only keeps a timer. */
export const BARE_NODE = ['-e', 'setInterval(() => {}, 1e6)'];

/**
 * `systemd: true` runs the daemon as the unit does: NOTIFY_SOCKET (a python3 stand-in for PID 1's
 * socket), WatchdogSec=120s (a ping every 60 s, each a systemd-notify child) and the status file
 * in RUNTIME_DIRECTORY (rewritten every 5 s, on tmpfs as /run is); the CPU then includes the
 * children's. The start-up is the first `startupSeconds`, the settling what follows until
 * `settleSeconds`, then the idle `seconds` are measured.
 */
export async function measureIdle({
  seconds = 60,
  startupSeconds = 5,
  settleSeconds = 20,
  systemd = false,
  progress = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  const fake = systemd ? await startFakeNotifySocket() : null;
  const daemon = await startDaemon(
    fake === null
      ? {}
      : { env: { NOTIFY_SOCKET: fake.path, WATCHDOG_USEC: '120000000', RUNTIME_DIRECTORY: fake.runtimeDir } },
  );
  // Started beside the daemon and sampled at the same moments.
  const bare = spawn(process.execPath, BARE_NODE, { stdio: 'ignore' });
  const cpuOf = (sample) => sample.cpuSeconds + (systemd ? sample.childCpuSeconds : 0);
  try {
    await sleep(startupSeconds * 1000);
    const started = procSample(daemon.pid);
    await sleep(Math.max(0, settleSeconds - startupSeconds) * 1000);
    const before = procSample(daemon.pid);
    const messagesBefore = fake?.messages() ?? 0;
    await sleep(seconds * 1000);
    const after = procSample(daemon.pid);
    const bareSample = procSample(bare.pid);
    const cpuSeconds = cpuOf(after) - cpuOf(before);
    const notifications = fake === null ? null : fake.messages() - messagesBefore;
    const result = {
      seconds,
      settleSeconds,
      systemd,
      notifications,
      cpuSeconds,
      cpuSecondsPerMinute: (cpuSeconds * 60) / seconds,
      rssKiB: after.rssKiB,
      peakRssKiB: after.peakRssKiB,
      startupSeconds,
      startupCpuSeconds: started.cpuSeconds,
      settlingCpuSeconds: cpuOf(before) - cpuOf(started),
      bareNodeRssKiB: bareSample?.rssKiB ?? NaN,
      rssVsBareNode: after.rssKiB / (bareSample?.rssKiB ?? NaN),
      nodeOptions: UNIT_NODE_OPTIONS,
    };
    progress(
      `  idle${systemd ? ' (as under systemd: notify socket, watchdog 120 s, status file)' : ''}: ${cpuSeconds.toFixed(2)} CPU s over ${seconds} s${notifications === null ? '' : `, ${notifications} datagrams`} (start-up took ${started.cpuSeconds.toFixed(2)} CPU s, settling ${result.settlingCpuSeconds.toFixed(2)}), RSS ${(after.rssKiB / 1024).toFixed(1)} MiB; bare node ${(result.bareNodeRssKiB / 1024).toFixed(1)} MiB (${result.rssVsBareNode.toFixed(2)}x)`,
    );
    return result;
  } finally {
    bare.kill('SIGTERM');
    await daemon.stop();
    await fake?.stop();
  }
}

/** PID 1's notification socket, played by test/helpers/fake-notify-socket.py; counts datagrams. */
async function startFakeNotifySocket() {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-notify-'));
  const path = join(dir, 'notify.sock');
  // systemd's RuntimeDirectory= is under /run, a tmpfs: a status write costs about a quarter
  // there of what it costs on a disk's file system (37 against 155 us in a loop, measured).
  const runtimeDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wrapwatch-bench-run-'));
  const child = spawn('python3', [fileURLToPath(new URL('../helpers/fake-notify-socket.py', import.meta.url)), path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let lines = 0;
  let listening;
  const ready = new Promise((resolve) => (listening = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => (line.includes('"listening"') ? listening() : lines++));
  await ready;
  return {
    path,
    runtimeDir,
    messages: () => lines,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
      await rm(runtimeDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string', default: '200' },
      rate: { type: 'string', default: '5' },
      'idle-seconds': { type: 'string', default: '60' },
    },
  });
  const latency =
    Number(values.samples) > 0
      ? await measureLatency({ samples: Number(values.samples), rate: Number(values.rate) })
      : null;
  const idle =
    Number(values['idle-seconds']) > 0 ? await measureIdle({ seconds: Number(values['idle-seconds']) }) : null;
  const idleSystemd =
    Number(values['idle-seconds']) > 0
      ? await measureIdle({ seconds: Number(values['idle-seconds']), systemd: true })
      : null;
  console.log(JSON.stringify({ latency, idle, idleSystemd }, null, 2));
}
