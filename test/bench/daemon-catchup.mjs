#!/usr/bin/env node
/**
 * Catch-up after downtime: the daemon is stopped (SIGTERM: it commits its checkpoint), a
 * generated log of `--lines` lines (10% refusals) is appended to the followed file while it is
 * down, and it is started again. Measured from spawning the new process until its stats line
 * (every 0.05 s in this run: that is the resolution) shows every appended line read and nothing
 * behind: the rate at which it reads a backlog, start-up included, against `wrapwatch parse
 * --count` over the same lines (start-up included too), run by run, in alternating order.
 *
 * The results must stay capped while it catches up: the ordinary results that land in nsca's
 * command file from the restart until 2 s after it caught up are counted against the cap
 * (30 per minute by default).
 *
 *   npm run build && node test/bench/daemon-catchup.mjs [--lines 1000000] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { collectLanded, startDaemon } from './lib/daemon.mjs';
import { CLI, CLI_NODE_FLAGS } from './lib/nsca.mjs';
import { median, procSample, sleep, timeCommand } from './lib/measure.mjs';

const STATS_INTERVAL_SECONDS = 0.05;
const CAP_PER_MINUTE = 30;

export async function measureCatchUp({
  lines = 1_000_000,
  runs = 3,
  progress = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  const work = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-catchup-'));
  const backlog = join(work, 'backlog.log');
  execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('./generate-log.mjs', import.meta.url)),
      '--lines',
      String(lines),
      '--seed',
      '44',
      '--out',
      backlog,
    ],
    { stdio: 'ignore' },
  );
  const expected = JSON.parse(await readFile(`${backlog}.expected.json`, 'utf8'));
  const bytes = readFileSync(backlog);
  const daemon = await startDaemon({ sections: { log: { stats_interval_seconds: STATS_INTERVAL_SECONDS } } });
  const { landed, stop: stopFollowing } = collectLanded(daemon.server.commandFile);
  const samples = [];
  try {
    for (let run = 0; run < runs; run++) {
      const parseFirst = run % 2 === 1;
      let parse = null;
      if (parseFirst)
        parse = await timeCommand(
          process.execPath,
          [...CLI_NODE_FLAGS, CLI, 'parse', '--count', '--timezone', 'UTC', backlog],
          { capture: true },
        );
      let landedBefore = landed.length;
      const spawnedAt = await daemon.restart(async () => {
        // What the stopped daemon delivered while draining belongs to the run before: counted
        // from here on (after the watcher had time to see it) are this restart's results only.
        await sleep(500);
        landedBefore = landed.length;
        appendFileSync(daemon.log, bytes);
      });
      const caughtUp = () =>
        daemon.logLines.find((l) => l.msg === 'stats' && l.linesRead >= lines && l.bytesBehind === 0);
      const deadline = spawnedAt + 120_000;
      while (!caughtUp() && Date.now() < deadline) await sleep(20);
      const stats = caughtUp();
      const sample = procSample(daemon.pid);
      await sleep(2000);
      const during = landed.slice(landedBefore).filter((r) => stats && r.at <= stats.time + 2000);
      if (!parseFirst)
        parse = await timeCommand(
          process.execPath,
          [...CLI_NODE_FLAGS, CLI, 'parse', '--count', '--timezone', 'UTC', backlog],
          { capture: true },
        );
      const seconds = stats ? (stats.time - spawnedAt) / 1000 : NaN;
      // For reference: from its "wrapwatch started" line (config, checkpoints, receiver set up) on.
      const startedLine = daemon.logLines.find((l) => l.msg === 'wrapwatch started');
      const afterStartSeconds = stats && startedLine ? (stats.time - startedLine.time) / 1000 : NaN;
      const result = {
        run,
        caughtUp: Boolean(stats),
        seconds,
        linesPerSecond: lines / seconds,
        afterStartSeconds,
        parseSeconds: parse.seconds,
        parseLinesPerSecond: lines / parse.seconds,
        parseCount: Number(parse.stdout.trim()),
        rateRatio: parse.seconds / seconds,
        refusalsParsed: stats?.refusals ?? NaN,
        ordinaryResults: during.filter((r) => !r.storm && !r.overflow).length,
        stormSummaries: during.filter((r) => r.storm).length,
        peakRssKiB: sample?.peakRssKiB ?? NaN,
        cpuSeconds: sample?.cpuSeconds ?? NaN,
      };
      samples.push(result);
      progress(
        `  catch-up run ${run + 1}/${runs}: ${lines.toLocaleString('en')} lines in ${seconds.toFixed(2)} s from the restart (parse --count ${parse.seconds.toFixed(2)} s: ${(result.rateRatio * 100).toFixed(0)}% of its rate); ` +
          `${result.refusalsParsed.toLocaleString('en')} refusals parsed, ${result.ordinaryResults} ordinary results and ${result.stormSummaries} storm summaries landed; peak RSS ${(result.peakRssKiB / 1024).toFixed(1)} MiB`,
      );
    }
  } finally {
    stopFollowing();
    await daemon.stop();
    await rm(work, { recursive: true, force: true });
  }
  return {
    lines,
    refusalLines: expected.refusalLines,
    refusalEvents: expected.refusalEvents,
    capPerMinute: CAP_PER_MINUTE,
    resolutionSeconds: STATS_INTERVAL_SECONDS,
    runs: samples,
    summary: {
      seconds: median(samples.map((s) => s.seconds)),
      afterStartSeconds: median(samples.map((s) => s.afterStartSeconds)),
      parseSeconds: median(samples.map((s) => s.parseSeconds)),
      rateRatio: median(samples.map((s) => s.rateRatio)),
      worstRateRatio: Math.min(...samples.map((s) => s.rateRatio)),
      allCaughtUp: samples.every((s) => s.caughtUp),
      allParsed: samples.every(
        (s) => s.refusalsParsed === expected.refusalEvents && s.parseCount === expected.refusalEvents,
      ),
      maxOrdinary: Math.max(...samples.map((s) => s.ordinaryResults)),
      peakRssMiB: Math.max(...samples.map((s) => s.peakRssKiB)) / 1024,
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
  });
  const result = await measureCatchUp({ lines: Number(values.lines), runs: Number(values.runs) });
  console.log(JSON.stringify(result, null, 2));
}
