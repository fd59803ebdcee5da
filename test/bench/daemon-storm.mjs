#!/usr/bin/env node
/**
 * A refusal storm against the real daemon and the real nsca: test/bench/storm-writer.mjs appends
 * 100,000 refusals per second for 10 s from 5,000 sources to the followed log, while the daemon
 * runs with the default throttle (window 60 s, cap 30 results per minute, 10,000 tracked sources).
 *
 * Measured:
 *   results     every line nsca writes to the command file, as it lands (inotify), by kind:
 *               ordinary (first / follow-up: these count against the cap), storm summaries,
 *               overflow summaries; and the refusals their perfdata accounts for. The storm's
 *               summary is due 60 s after the cap first held a result back, so the command file
 *               is watched for `--observe` seconds (default 65) from the storm's start. The most
 *               ordinary results landing in any 60 s (and any 59 s: the cap counts emissions,
 *               which land up to one delivery, ~0.3 s, later) are compared with the cap.
 *   peak RSS    VmHWM of the daemon process at the end of the observation.
 *   CPU         utime + stime of the daemon from the storm's start until it caught up.
 *   catch-up    from the writer's last append until the daemon's stats line (every 0.25 s in this
 *               run: that is the resolution) shows every written line read and 0 bytes behind.
 *
 *   npm run build && node test/bench/daemon-storm.mjs [--rate 100000] [--seconds 10] [--sources 5000] [--observe 65]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { collectLanded, startDaemon, UNIT_NODE_OPTIONS } from './lib/daemon.mjs';
import { procSample, sleep } from './lib/measure.mjs';

const STATS_INTERVAL_SECONDS = 0.25;
const CAP_PER_MINUTE = 30;

function runWriter(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./storm-writer.mjs', import.meta.url)), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`storm writer exited ${code}`)),
    );
  });
}

/** Most results of the given kind landing within any `windowMs` (landing times from our clock). */
function maxInWindow(times, windowMs) {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export async function measureStorm({
  rate = 100_000,
  seconds = 10,
  sources = 5000,
  observeSeconds = 65,
  progress = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  const daemon = await startDaemon({ sections: { log: { stats_interval_seconds: STATS_INTERVAL_SECONDS } } });
  const { landed, stop: stopFollowing } = collectLanded(daemon.server.commandFile);
  const samples = [];
  const sampler = setInterval(() => {
    const s = procSample(daemon.pid);
    if (s) samples.push({ at: Date.now(), ...s });
  }, 100);
  try {
    await sleep(1000);
    const before = procSample(daemon.pid);
    const t0 = Date.now();
    progress(
      `  storm: ${rate.toLocaleString('en')} refusals/s for ${seconds} s from ${sources.toLocaleString('en')} sources ...`,
    );
    const writer = await runWriter([
      '--out',
      daemon.log,
      '--rate',
      String(rate),
      '--seconds',
      String(seconds),
      '--sources',
      String(sources),
    ]);

    // Caught up: the first stats line showing every written line read and nothing behind.
    const caughtUp = () =>
      daemon.logLines.find(
        (l) => l.msg === 'stats' && l.at >= writer.startedAt && l.linesRead >= writer.lines && l.bytesBehind === 0,
      );
    const deadline = t0 + observeSeconds * 1000;
    while (!caughtUp() && Date.now() < deadline) await sleep(50);
    const stats = caughtUp();
    const atCatchUp = samples.filter((s) => stats && s.at <= stats.time).pop() ?? procSample(daemon.pid);
    const catchUpSeconds = stats ? Math.max(0, (stats.time - writer.endedAt) / 1000) : NaN;
    progress(
      `  storm: writer done in ${writer.seconds.toFixed(2)} s (${writer.lines.toLocaleString('en')} lines); daemon ${stats ? `caught up ${catchUpSeconds.toFixed(2)} s after the storm's end` : 'did NOT catch up'}; observing until ${observeSeconds} s after the start ...`,
    );
    while (Date.now() < deadline) await sleep(200);

    const end = procSample(daemon.pid);
    const last = daemon.logLines.filter((l) => l.msg === 'stats').pop();
    const ordinary = landed.filter((r) => !r.storm && !r.overflow);
    const result = {
      rate,
      seconds,
      sources,
      observeSeconds,
      writer,
      linesRead: last?.linesRead ?? 0,
      refusalsParsed: last?.refusals ?? 0,
      caughtUp: Boolean(stats),
      catchUpSeconds,
      catchUpResolutionSeconds: STATS_INTERVAL_SECONDS,
      cpuSecondsStorm: atCatchUp && before ? atCatchUp.cpuSeconds - before.cpuSeconds : NaN,
      cpuSecondsObserved: end.cpuSeconds - before.cpuSeconds,
      peakRssKiB: end.peakRssKiB,
      nodeOptions: UNIT_NODE_OPTIONS,
      rssBeforeKiB: before.rssKiB,
      rssEndKiB: end.rssKiB,
      results: landed.length,
      resultsDuringStorm: landed.filter((r) => r.at <= writer.endedAt).length,
      ordinaryResults: ordinary.length,
      ordinaryMaxPer60s: maxInWindow(
        ordinary.map((r) => r.at),
        60_000,
      ),
      // The cap counts results when the daemon emits them; they land up to a delivery later
      // (a connection lingers 300 ms), so at the receiver a 60 s window can hold a few more.
      // Windows 1 s shorter than the cap's absorb that delay and no more.
      ordinaryMaxPer59s: maxInWindow(
        ordinary.map((r) => r.at),
        59_000,
      ),
      stormSummaries: landed.filter((r) => r.storm).length,
      overflowSummaries: landed.filter((r) => r.overflow).length,
      refusalsAccounted: landed.reduce((sum, r) => sum + r.refusals, 0),
      capPerMinute: CAP_PER_MINUTE,
      firstStormSummaryAfterSeconds: landed.find((r) => r.storm) ? (landed.find((r) => r.storm).at - t0) / 1000 : NaN,
      deliveryFailures: last?.deliveryFailures ?? NaN,
      resultsOverflowed: last?.resultsOverflowed ?? NaN,
    };
    progress(
      `  storm: ${result.results} results (${result.ordinaryResults} ordinary, at most ${result.ordinaryMaxPer60s} in any 60 s; ${result.stormSummaries} storm summaries), ` +
        `${result.refusalsAccounted.toLocaleString('en')} of ${writer.lines.toLocaleString('en')} refusals accounted for; peak RSS ${(result.peakRssKiB / 1024).toFixed(1)} MiB; ` +
        `CPU ${result.cpuSecondsStorm.toFixed(2)} s until caught up`,
    );
    return result;
  } finally {
    clearInterval(sampler);
    stopFollowing();
    await daemon.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '10' },
      sources: { type: 'string', default: '5000' },
      observe: { type: 'string', default: '65' },
    },
  });
  const result = await measureStorm({
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    sources: Number(values.sources),
    observeSeconds: Number(values.observe),
  });
  console.log(JSON.stringify(result, null, 2));
}
