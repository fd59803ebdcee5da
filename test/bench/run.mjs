#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in one unattended run, wrapwatch side by side with what a
 * user would otherwise use, then the figures written into BENCHMARKS.md (between its
 * `<!-- bench:begin -->` and `<!-- bench:end -->` markers) and test/bench/out/latest.{json,md}.
 *
 * Stages (all on by default; `--only a,b` or `--skip a,b` choose):
 *   micro       vitest bench: parser, addresses, throttle, packet encoding per method
 *   parse       wrapwatch parse vs grep -cE / grep -E vs fail2ban-regex (sshd, xinetd-fail) on the
 *               generated auth log, and vs grep on a second, differently shaped log (--shape central)
 *   send        wrapwatch send vs send_nsca into real nsca, methods 1, 3, 14
 *   latency     daemon: append -> command file latency with the real nsca
 *   idle        daemon: CPU over an idle minute
 *   storm       daemon: 100,000 refusals/s for 10 s from 5,000 sources
 *   catchup     daemon: restarted behind 1,000,000 unread lines, against parse --count
 *   components  the component scripts that exist (file-source.mjs, throttle.mjs, daemon-latency.mjs)
 *
 * Run counts (flags or environment; odd numbers give a true median):
 *   --runs N           BENCH_RUNS         parse runs of grep and wrapwatch (5)
 *   --f2b-runs N       BENCH_F2B_RUNS     fail2ban-regex runs per filter (3)
 *   --f2b-lines N      BENCH_F2B_LINES    let fail2ban read only the first N lines (0 = all)
 *   --lines N          BENCH_LINES        generated log lines (1000000)
 *   --send-runs N      BENCH_SEND_RUNS    runs per send client and method (3)
 *   --send-count N     BENCH_SEND_COUNT   results per send run (10000)
 *   --storm-runs N     BENCH_STORM_RUNS   storms (3)
 *   --latency-samples  BENCH_LATENCY_SAMPLES  Poisson-arrival samples (200, at 5/s)
 *   --idle-seconds N   BENCH_IDLE_SECONDS the idle measurement (60)
 *   --catchup-runs N   BENCH_CATCHUP_RUNS restarts behind a backlog (3)
 *   --no-write         leave BENCHMARKS.md alone (out/latest.* are still written)
 *   --quick            a smoke run: small counts, 1 run each, 10 s idle, 1 short storm
 *                      (its figures go to out/quick.{json,md}, never to BENCHMARKS.md)
 *   --render FILE      measure nothing: render a saved latest.json into BENCHMARKS.md again
 *
 * Needs the Debian packages .ci/run installs (nsca, nsca-client); installs `time` and
 * `fail2ban` itself when missing (as root, with apt-get). Everything runs on 127.0.0.1 in
 * temp dirs; every process it starts is stopped by pid.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareParse } from './parse-compare.mjs';
import { measureFloor } from './parse-floor.mjs';
import { compareSend } from './nsca-send-compare.mjs';
import { measureIdle, measureLatency } from './daemon-latency-idle.mjs';
import { measureStorm } from './daemon-storm.mjs';
import { measureCatchUp } from './daemon-catchup.mjs';
import { GNU_TIME, machineInfo, median } from './lib/measure.mjs';
import { REPO_ROOT } from './lib/nsca.mjs';
import { judge, renderMarkdown } from './lib/report.mjs';

const STAGES = ['micro', 'parse', 'send', 'latency', 'idle', 'storm', 'catchup', 'components'];
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    skip: { type: 'string' },
    runs: { type: 'string' },
    'f2b-runs': { type: 'string' },
    'f2b-lines': { type: 'string' },
    lines: { type: 'string' },
    'send-runs': { type: 'string' },
    'send-count': { type: 'string' },
    'storm-runs': { type: 'string' },
    'latency-samples': { type: 'string' },
    'idle-seconds': { type: 'string' },
    'catchup-runs': { type: 'string' },
    'no-write': { type: 'boolean' },
    quick: { type: 'boolean' },
    render: { type: 'string' },
  },
});
const quick = values.quick === true;
const setting = (flag, env, normal, smoke) => Number(values[flag] ?? process.env[env] ?? (quick ? smoke : normal));
const settings = {
  runs: setting('runs', 'BENCH_RUNS', 5, 1),
  f2bRuns: setting('f2b-runs', 'BENCH_F2B_RUNS', 3, 1),
  f2bLines: setting('f2b-lines', 'BENCH_F2B_LINES', 0, 20_000),
  lines: setting('lines', 'BENCH_LINES', 1_000_000, 100_000),
  sendRuns: setting('send-runs', 'BENCH_SEND_RUNS', 3, 1),
  sendCount: setting('send-count', 'BENCH_SEND_COUNT', 10_000, 500),
  stormRuns: setting('storm-runs', 'BENCH_STORM_RUNS', 3, 1),
  latencySamples: setting('latency-samples', 'BENCH_LATENCY_SAMPLES', 200, 20),
  idleSeconds: setting('idle-seconds', 'BENCH_IDLE_SECONDS', 60, 10),
  catchupRuns: setting('catchup-runs', 'BENCH_CATCHUP_RUNS', 3, 1),
};
const only = values.only?.split(',');
const skip = values.skip?.split(',') ?? [];
for (const name of [...(only ?? []), ...skip])
  if (!STAGES.includes(name)) throw new Error(`unknown stage "${name}"; stages: ${STAGES.join(', ')}`);
const enabled = (stage) => (only ? only.includes(stage) : !skip.includes(stage));

const log = (s) => process.stderr.write(`${s}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** apt-get install, as root only; the lock timeout waits out another apt run (as .ci/run does). */
function aptInstall(packages) {
  if (process.getuid?.() !== 0) return false;
  const install = () =>
    execFileSync(
      'apt-get',
      ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...packages],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    install();
  }
  return true;
}

function prerequisites() {
  for (const binary of ['/usr/sbin/nsca', '/usr/sbin/send_nsca']) {
    if (!existsSync(binary))
      throw new Error(`${binary} is missing: install the Debian packages nsca and nsca-client (as .ci/run does)`);
  }
  if (!existsSync(join(REPO_ROOT, 'dist/wrapwatch.cjs')))
    throw new Error('dist/ is missing: run "npm run build" (npm run bench does)');
  const missing = [];
  if (!existsSync(GNU_TIME)) missing.push('time');
  if (enabled('parse') && settings.f2bRuns > 0 && !existsSync('/usr/bin/fail2ban-regex')) missing.push('fail2ban');
  if (missing.length > 0) {
    log(`installing ${missing.join(', ')} (Debian packages) ...`);
    if (!aptInstall(missing)) log(`cannot install ${missing.join(', ')} (not root): install them and run again`);
  }
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install time`);
}

function runCommand(command, args, { cwd = REPO_ROOT } = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, seconds: (Date.now() - t0) / 1000 }));
  });
}

async function micro(outDir) {
  const json = join(outDir, 'vitest-bench.json');
  const vitest = join(REPO_ROOT, 'node_modules/vitest/vitest.mjs');
  const { code, output } = await runCommand(process.execPath, [vitest, 'bench', '--run', '--outputJson', json]);
  if (code !== 0) throw new Error(`vitest bench failed:\n${output.slice(-3000)}`);
  const report = JSON.parse(await readFile(json, 'utf8'));
  const rows = [];
  for (const file of report.files) {
    for (const group of file.groups) {
      for (const b of group.benchmarks)
        rows.push({
          file: file.filepath.replace(`${REPO_ROOT}/`, ''),
          group: group.fullName.split(' > ').slice(1).join(' > '),
          name: b.name,
          hz: b.hz,
          rme: b.rme,
        });
    }
  }
  return rows;
}

async function components() {
  const scripts = [
    { file: 'test/bench/file-source.mjs', args: ['--lines', '1000000', '--appends', '300', '--runs', '3'] },
    { file: 'test/bench/throttle.mjs', node: ['--expose-gc'], args: [] },
    // An independent closed-loop latency measurement (100 refusals 20 ms after each landed; its
    // idle minute is skipped: the idle stage measures that): a cross-check of the latency stage.
    { file: 'test/bench/daemon-latency.mjs', args: ['100', '20', '0'] },
  ];
  const results = [];
  for (const s of scripts) {
    if (!existsSync(join(REPO_ROOT, s.file))) continue;
    log(`  ${s.file} ...`);
    const r = await runCommand(process.execPath, [...(s.node ?? []), s.file, ...s.args]);
    results.push({
      command: ['node', ...(s.node ?? []), s.file, ...s.args].join(' '),
      ...r,
      output: r.output.split('\n').slice(-40).join('\n'),
    });
  }
  return results;
}

function summariseStorm(runs) {
  const mib = (kib) => kib / 1024;
  return {
    cap: runs[0].capPerMinute,
    peakRssMiB: median(runs.map((r) => mib(r.peakRssKiB))),
    worstPeakRssMiB: Math.max(...runs.map((r) => mib(r.peakRssKiB))),
    nodeOptions: runs[0].nodeOptions ?? '',
    catchUpSeconds: median(runs.map((r) => r.catchUpSeconds)),
    worstCatchUpSeconds: Math.max(...runs.map((r) => (r.caughtUp ? r.catchUpSeconds : Infinity))),
    allCaughtUp: runs.every((r) => r.caughtUp),
    cpuSecondsStorm: median(runs.map((r) => r.cpuSecondsStorm)),
    ordinaryMaxPer60s: Math.max(...runs.map((r) => r.ordinaryMaxPer60s)),
    ordinaryMaxPer59s: Math.max(...runs.map((r) => r.ordinaryMaxPer59s)),
    stormSummaries: Math.max(...runs.map((r) => r.stormSummaries)),
    // Within the cap: ordinary results per (59 s) window, and at most one storm summary per minute observed.
    withinCap: runs.every(
      (r) => r.ordinaryMaxPer59s <= r.capPerMinute && r.stormSummaries <= Math.ceil(r.observeSeconds / 60),
    ),
    accountedAll: runs.every((r) => r.refusalsAccounted === r.writer.lines),
    firstStormSummaryAfterSeconds: median(runs.map((r) => r.firstStormSummaryAfterSeconds)),
  };
}

async function main() {
  prerequisites();
  const date = new Date().toISOString().slice(0, 10);
  const results = { date, machine: machineInfo(), settings, stages: STAGES.filter(enabled) };
  results.settingsText = `${settings.runs} parse runs, ${settings.f2bRuns} fail2ban runs${settings.f2bLines ? ` on ${settings.f2bLines} lines` : ''}, ${settings.sendRuns} send runs of ${settings.sendCount}, ${settings.stormRuns} storms, ${settings.latencySamples} latency samples, ${settings.idleSeconds} s idle, ${settings.catchupRuns} catch-ups`;
  log(`wrapwatch benchmarks: ${results.stages.join(', ')} (${results.settingsText})`);
  const outDir = join(REPO_ROOT, 'test/bench/out');
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'wrapwatch-bench-'));
  try {
    if (enabled('micro')) {
      log(`[${elapsed()}] micro benchmarks (vitest bench) ...`);
      results.micro = await micro(outDir);
    }
    if (enabled('parse')) {
      const file = join(work, 'auth.log');
      log(`[${elapsed()}] generating ${settings.lines.toLocaleString('en')} log lines ...`);
      execFileSync(
        process.execPath,
        [
          join(REPO_ROOT, 'test/bench/generate-log.mjs'),
          '--lines',
          String(settings.lines),
          '--seed',
          '42',
          '--out',
          file,
        ],
        { stdio: 'ignore' },
      );
      log(`[${elapsed()}] parse: wrapwatch vs grep vs fail2ban-regex ...`);
      results.parse = await compareParse({
        log: file,
        runs: settings.runs,
        f2bRuns: settings.f2bRuns,
        f2bLines: settings.f2bLines,
        progress: log,
      });
      log(`[${elapsed()}] parse: where the time goes, step by step ...`);
      results.parseFloor = await measureFloor({ log: file, runs: settings.runs, progress: log });
      await rm(file, { force: true });
      const central = join(work, 'central.log');
      log(`[${elapsed()}] generating ${settings.lines.toLocaleString('en')} lines of the central shape ...`);
      execFileSync(
        process.execPath,
        [
          join(REPO_ROOT, 'test/bench/generate-log.mjs'),
          '--shape',
          'central',
          '--lines',
          String(settings.lines),
          '--seed',
          '43',
          '--out',
          central,
        ],
        { stdio: 'ignore' },
      );
      log(`[${elapsed()}] parse (central shape): wrapwatch vs grep ...`);
      // fail2ban's ratios are judged on the first log; on this one it would add minutes and no target.
      results.parseCentral = await compareParse({ log: central, runs: settings.runs, f2bRuns: 0, progress: log });
      await rm(central, { force: true });
    }
    if (enabled('send')) {
      log(`[${elapsed()}] send: wrapwatch send vs send_nsca ...`);
      results.send = await compareSend({ count: settings.sendCount, runs: settings.sendRuns, progress: log });
    }
    if (enabled('latency')) {
      log(`[${elapsed()}] daemon latency ...`);
      results.latency = await measureLatency({ samples: settings.latencySamples, progress: log });
    }
    if (enabled('idle')) {
      log(`[${elapsed()}] daemon idle for ${settings.idleSeconds} s ...`);
      results.idle = await measureIdle({ seconds: settings.idleSeconds, progress: log });
      log(`[${elapsed()}] daemon idle for ${settings.idleSeconds} s as under systemd ...`);
      results.idleSystemd = await measureIdle({ seconds: settings.idleSeconds, systemd: true, progress: log });
    }
    if (enabled('storm')) {
      const runs = [];
      for (let i = 0; i < settings.stormRuns; i++) {
        log(`[${elapsed()}] storm ${i + 1}/${settings.stormRuns} ...`);
        runs.push(await measureStorm(quick ? { seconds: 3, observeSeconds: 8, progress: log } : { progress: log }));
      }
      results.storm = { runs, summary: summariseStorm(runs) };
    }
    if (enabled('catchup')) {
      log(`[${elapsed()}] daemon catch-up after downtime ...`);
      results.catchup = await measureCatchUp({
        lines: quick ? 100_000 : 1_000_000,
        runs: settings.catchupRuns,
        progress: log,
      });
    }
    if (enabled('components')) {
      log(`[${elapsed()}] component scripts ...`);
      results.components = await components();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  results.totalSeconds = (Date.now() - started) / 1000;
  // A smoke run keeps its own files, so it never replaces the figures of a real one.
  await writeFile(join(outDir, `${quick ? 'quick' : 'latest'}.json`), JSON.stringify(results, null, 2) + '\n');
  await publish(results, outDir);
  log(`${elapsed()} in all.`);
}

/** Writes out/latest.md and the figures between BENCHMARKS.md's markers; prints the verdicts. */
async function publish(results, outDir) {
  const markdown = renderMarkdown(results);
  await writeFile(join(outDir, `${quick ? 'quick' : 'latest'}.md`), markdown + '\n');
  const doc = join(REPO_ROOT, 'BENCHMARKS.md');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  if (values['no-write'] || quick) {
    log('BENCHMARKS.md left alone (--no-write or --quick)');
  } else if (existsSync(doc)) {
    const text = await readFile(doc, 'utf8');
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a >= 0 && b > a) {
      await writeFile(doc, `${text.slice(0, a + begin.length)}\n${markdown}\n${text.slice(b)}`);
      log('BENCHMARKS.md updated between its markers');
    } else log(`BENCHMARKS.md has no ${begin} ... ${end} markers: figures only in test/bench/out/latest.md`);
  }
  process.stdout.write(`${markdown}\n`);
  const verdicts = judge(results);
  log(
    `\n${verdicts.filter((v) => v.met).length} of ${verdicts.length} targets met. Figures: test/bench/out/${quick ? 'quick' : 'latest'}.md`,
  );
}

if (values.render) {
  const outDir = join(REPO_ROOT, 'test/bench/out');
  await mkdir(outDir, { recursive: true });
  await publish(JSON.parse(await readFile(values.render, 'utf8')), outDir);
} else {
  await main();
}
