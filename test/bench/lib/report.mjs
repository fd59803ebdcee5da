// Turns the orchestrator's results into the Markdown that goes into BENCHMARKS.md, and judges
// each target from the issue: met, or missed by how much.
import { fmt } from './measure.mjs';

export const TARGETS = {
  f2bRatio: 40,
  grepWallRatio: 3,
  parsePeakRssMiB: 60,
  sendRatio: 1,
  latencyP99Ms: 25,
  stormPeakRssMiB: 100,
  stormCatchUpSeconds: 1,
  catchUpRateRatio: 0.8,
  idleCpuPerMinute: 0.05,
  idleRssVsBareNode: 1.25,
};

const pct = (x) => `${(x * 100).toFixed(0)}%`;
const status = (met, missedBy) => (met ? 'met' : `**missed**${missedBy ? ` (${missedBy})` : ''}`);

/** Each target with its verdict: { name, target, measured, met, verdict }. */
export function judge(r) {
  const rows = [];
  const parseRows = (p, which) => {
    const ww = p.rows.find((x) => x.id === 'ww-count');
    const f = ww.found;
    const exact =
      f.trueLines === f.truthLines && f.reportedEvents === f.truthEvents && f.falseLines === 0 && f.wrongFields === 0;
    rows.push({
      name: `parse finds every true refusal (${which})`,
      target: 'all, nothing else',
      measured: `${fmt.int(f.trueLines)}/${fmt.int(f.truthLines)} lines, ${fmt.int(f.reportedEvents)}/${fmt.int(f.truthEvents)} refusals, ${f.falseLines} false, ${f.wrongFields} wrong fields`,
      met: exact,
    });
    const g = p.ratios.countVsGrepWall;
    rows.push({
      name: `parse --count wall vs grep -cE (${which})`,
      target: `<= ${TARGETS.grepWallRatio}x`,
      measured: `${fmt.ratio(g)} (${fmt.fixed(ww.wallSeconds, 3)} s vs ${fmt.fixed(p.rows.find((x) => x.id === 'grep-c').wallSeconds, 3)} s)`,
      met: g <= TARGETS.grepWallRatio,
      short: g <= TARGETS.grepWallRatio ? '' : `${pct(1 - TARGETS.grepWallRatio / g)} of the wall time to cut`,
    });
    const rss = ww.worstPeakRssKiB ?? ww.peakRssKiB;
    rows.push({
      name: `parse --count peak RSS, worst run (${which})`,
      target: `<= ${TARGETS.parsePeakRssMiB} MiB`,
      measured: fmt.mib(rss),
      met: rss / 1024 <= TARGETS.parsePeakRssMiB,
      short: `${fmt.fixed(rss / 1024 - TARGETS.parsePeakRssMiB, 1)} MiB over`,
    });
  };
  const p = r.parse;
  if (p) parseRows(p, 'auth log');
  if (r.parseCentral) parseRows(r.parseCentral, 'central log');
  if (p) {
    if (p.haveFail2ban) {
      for (const filter of ['sshd', 'xinetd-fail']) {
        const x = p.ratios[`countVsF2b-${filter}`];
        rows.push({
          name: `parse lines/s vs fail2ban-regex ${filter}`,
          target: `>= ${TARGETS.f2bRatio}x`,
          measured: fmt.ratio(x),
          met: x >= TARGETS.f2bRatio,
          short: x >= TARGETS.f2bRatio ? '' : `needs ${pct(TARGETS.f2bRatio / x - 1)} more speed`,
        });
      }
    }
  }
  if (r.send) {
    for (const row of r.send.rows) {
      const lost = row.count - row.wrapwatch.landedMin;
      const ok = row.throughputRatio >= TARGETS.sendRatio && lost === 0;
      rows.push({
        name: `send, method ${row.method}: throughput vs send_nsca, nothing lost`,
        target: `>= ${TARGETS.sendRatio}x, 0 lost`,
        measured: `${fmt.ratio(row.throughputRatio)}, ${lost} lost`,
        met: ok,
        short: ok ? '' : lost > 0 ? `${lost} lost` : `${pct(1 - row.throughputRatio)} slower`,
      });
    }
  }
  if (r.latency) {
    const l = r.latency.trickle;
    rows.push({
      name: `append -> command file p99 (Poisson ${l.ratePerSecond}/s)`,
      target: `< ${TARGETS.latencyP99Ms} ms`,
      measured: `${fmt.fixed(l.p99Ms, 1)} ms`,
      met: l.p99Ms < TARGETS.latencyP99Ms && l.landed === l.samples,
      short: `${fmt.fixed(l.p99Ms - TARGETS.latencyP99Ms, 0)} ms over`,
    });
  }
  if (r.storm) {
    const s = r.storm.summary;
    // The issue says "150 MB"; judged as 150 MiB (what /proc's kB are), the decimal reading shown beside it.
    const decimalMB = (s.peakRssMiB * 1048576) / 1e6;
    const asMB = decimalMB < TARGETS.stormPeakRssMiB;
    void asMB;
    rows.push({
      name: 'storm: peak RSS in every run',
      target: `<= ${TARGETS.stormPeakRssMiB} MiB`,
      measured: `worst run ${fmt.fixed(s.worstPeakRssMiB, 1)} MiB (median ${fmt.fixed(s.peakRssMiB, 1)} MiB = ${fmt.fixed(decimalMB, 1)} MB)`,
      met: s.worstPeakRssMiB <= TARGETS.stormPeakRssMiB,
      short: `${fmt.fixed(s.worstPeakRssMiB - TARGETS.stormPeakRssMiB, 1)} MiB over`,
    });
    rows.push({
      name: 'storm: results within the cap, every refusal accounted',
      target: `<= ${s.cap} ordinary/60 s + summaries`,
      measured: `${s.ordinaryMaxPer59s} per 59 s window (${s.ordinaryMaxPer60s} per 60 s at arrival), ${s.stormSummaries} summary, ${s.accountedAll ? 'all' : 'NOT all'} refusals accounted`,
      met: s.withinCap && s.accountedAll,
    });
    rows.push({
      name: "storm: caught up after the storm's end, every run",
      target: `<= ${TARGETS.stormCatchUpSeconds} s`,
      measured: `${fmt.fixed(s.catchUpSeconds, 2)} s (worst ${fmt.fixed(s.worstCatchUpSeconds, 2)})`,
      met: s.allCaughtUp && s.worstCatchUpSeconds <= TARGETS.stormCatchUpSeconds,
    });
  }
  if (r.catchup) {
    const c = r.catchup.summary;
    rows.push({
      name: `catch-up after downtime (${fmt.int(r.catchup.lines)} lines): rate vs parse --count`,
      target: `>= ${pct(TARGETS.catchUpRateRatio)}`,
      measured: `${pct(c.rateRatio)} (worst run ${pct(c.worstRateRatio)}; ${fmt.fixed(c.seconds, 2)} s vs ${fmt.fixed(c.parseSeconds, 2)} s)`,
      met: c.allCaughtUp && c.rateRatio >= TARGETS.catchUpRateRatio,
      short: `needs ${pct(TARGETS.catchUpRateRatio / c.rateRatio - 1)} more speed`,
    });
    rows.push({
      name: 'catch-up after downtime: results capped, every refusal parsed',
      target: `<= ${r.catchup.capPerMinute} ordinary results`,
      measured: `at most ${c.maxOrdinary} ordinary results landed; ${c.allParsed ? 'all' : 'NOT all'} ${fmt.int(r.catchup.refusalEvents)} refusals parsed`,
      met: c.maxOrdinary <= r.catchup.capPerMinute && c.allParsed,
    });
  }
  if (r.idleSystemd) {
    const i = r.idleSystemd;
    rows.push({
      name: 'idle CPU per minute under systemd (notify, watchdog, status file)',
      target: `< ${TARGETS.idleCpuPerMinute} s`,
      measured: `${fmt.fixed(i.cpuSecondsPerMinute, 2)} s (from ${i.settleSeconds} s after the start; the settling before: ${fmt.fixed(i.settlingCpuSeconds, 2)} CPU s)`,
      met: i.cpuSecondsPerMinute < TARGETS.idleCpuPerMinute,
      short: `${fmt.fixed(i.cpuSecondsPerMinute / TARGETS.idleCpuPerMinute, 1)}x the budget`,
    });
  }
  if (r.idle) {
    const i = r.idle;
    rows.push({
      name: 'idle CPU per minute',
      target: `< ${TARGETS.idleCpuPerMinute} s`,
      measured: `${fmt.fixed(i.cpuSecondsPerMinute, 2)} s (from ${i.settleSeconds} s after the start; the settling before: ${fmt.fixed(i.settlingCpuSeconds, 2)} CPU s)`,
      met: i.cpuSecondsPerMinute < TARGETS.idleCpuPerMinute,
      short: `${fmt.fixed(i.cpuSecondsPerMinute / TARGETS.idleCpuPerMinute, 1)}x the budget`,
    });
    if (Number.isFinite(i.rssVsBareNode)) {
      rows.push({
        name: 'idle RSS vs a bare Node process keeping a timer',
        target: `<= ${TARGETS.idleRssVsBareNode}x`,
        measured: `${fmt.ratio(i.rssVsBareNode)} (${fmt.mib(i.rssKiB)} vs ${fmt.mib(i.bareNodeRssKiB)})`,
        met: i.rssVsBareNode <= TARGETS.idleRssVsBareNode,
        short: `${fmt.fixed(i.rssKiB / 1024 - (TARGETS.idleRssVsBareNode * i.bareNodeRssKiB) / 1024, 1)} MiB over`,
      });
    }
  }
  return rows.map((x) => ({ ...x, verdict: status(x.met, x.short) + (x.note ?? '') }));
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function renderParse(out, p, shape) {
  out.push('');
  out.push(
    `### Parse, ${shape}: ${fmt.int(p.expected.lines)} generated lines (seed ${p.expected.seed}), ${fmt.int(p.truthLines)} true refusal lines = ${fmt.int(p.expected.refusalEvents)} refusals, ${fmt.int(p.expected.nearMisses)} near misses, ${fmt.int(p.expected.forgeries)} forgeries`,
  );
  out.push('');
  if (p.haveFail2ban && p.f2bLines !== p.expected.lines)
    out.push(
      `fail2ban-regex read the first ${fmt.int(p.f2bLines)} lines only (its true refusals are counted against that slice).\n`,
    );
  const found = (f) => {
    if (!f) return 'n/a';
    const base = `${fmt.int(f.trueLines)}/${fmt.int(f.truthLines)} lines (${pct(f.trueLines / f.truthLines)}), ${fmt.int(f.trueEvents)}/${fmt.int(f.truthEvents)} refusals`;
    const wrong = f.falseLines !== undefined ? `; ${fmt.int(f.falseLines)} non-refusals taken for refusals` : '';
    const other =
      f.otherLines !== undefined
        ? `; ${fmt.int(f.otherLines - (f.falseLines ?? 0))} other matches (auth failures: its job)`
        : '';
    return base + wrong + other;
  };
  out.push(
    table(
      ['command', 'runs', 'wall (median)', 'lines/s', 'peak RSS', 'CPU s', 'reports', 'true refusals found'],
      p.rows.map((x) => [
        `\`${x.name}\``,
        x.runs,
        `${fmt.fixed(x.wallSeconds, 3)} s`,
        fmt.int(x.linesPerSecond),
        fmt.mib(x.peakRssKiB),
        fmt.fixed(x.cpuSeconds, 2),
        fmt.int(x.found?.reported),
        found(x.found),
      ]),
    ),
  );
  out.push('');
  const rt = p.ratios;
  const ratioText = [
    `wall of \`wrapwatch parse --count\` / \`grep -cE\`: ${fmt.ratio(rt.countVsGrepWall)}`,
    `wall of \`wrapwatch parse\` / \`grep -E\` (both printing every match into a pipe): ${fmt.ratio(rt.linesVsGrepWall)}`,
  ];
  if (p.haveFail2ban)
    ratioText.push(
      `lines/s of \`wrapwatch parse --count\` / fail2ban-regex: sshd ${fmt.ratio(rt['countVsF2b-sshd'])}, xinetd-fail ${fmt.ratio(rt['countVsF2b-xinetd-fail'])}, both filters run one after the other ${fmt.ratio(rt['countVsF2b-both'])}`,
    );
  out.push(`Ratios (median of the per-run ratios): ${ratioText.join('; ')}.`);
  if (p.haveFail2ban && p.f2bBoth) {
    out.push('');
    out.push(`fail2ban's two filters together found ${found(p.f2bBoth)}.`);
  }
}

export function renderMarkdown(r) {
  const out = [];
  const m = r.machine;
  out.push(
    `Measured ${r.date} by \`npm run bench\` in ${fmt.fixed(r.totalSeconds / 60, 1)} min (settings: ${r.settingsText}).`,
  );
  out.push('');
  out.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memory} RAM, ${m.os}, Linux ${m.kernel}, Node ${m.node}; load average at the start ${m.loadAverage} (shared machine).`,
  );
  out.push('');
  out.push('### Targets');
  out.push('');
  out.push(
    table(
      ['target', 'wanted', 'measured', 'status'],
      judge(r).map((x) => [x.name, x.target, x.measured, x.verdict]),
    ),
  );

  if (r.parse) renderParse(out, r.parse, 'auth log (`--shape auth`)');
  if (r.parseFloor) {
    out.push('');
    out.push(
      '### Parse: where the time goes (auth log, each step a whole process doing one more thing than the one above)',
    );
    out.push('');
    out.push(
      table(
        ['step', 'wall (median)', 'CPU s (median)', 'peak RSS', 'prints'],
        r.parseFloor.map((x) => [
          x.name,
          `${fmt.fixed(x.wallSeconds, 3)} s`,
          fmt.fixed(x.cpuSeconds, 2),
          fmt.mib(x.peakRssKiB),
          `\`${x.output}\``,
        ]),
      ),
    );
  }
  if (r.parseCentral) renderParse(out, r.parseCentral, 'central log host (`--shape central`)');

  if (r.send) {
    out.push('');
    out.push(
      `### Send: ${fmt.int(r.send.count)} results to a fresh real nsca per run, ${r.send.runs} runs per client, alternating`,
    );
    out.push('');
    out.push(
      table(
        [
          'method',
          'wrapwatch send: until all landed',
          'results/s',
          'send_nsca -to 600: until all landed',
          'results/s',
          'throughput ratio',
          'landed (worst run)',
          'send_nsca as run by default (-to 10)',
        ],
        r.send.rows.map((x) => [
          x.method,
          `${fmt.fixed(x.wrapwatch.untilLandedSeconds, 2)} s`,
          fmt.int(x.wrapwatch.resultsPerSecond),
          `${fmt.fixed(x.sendNsca.untilLandedSeconds, 2)} s`,
          fmt.int(x.sendNsca.resultsPerSecond),
          fmt.ratio(x.throughputRatio),
          `${fmt.int(x.wrapwatch.landedMin)} / ${fmt.int(x.sendNsca.landedMin)}`,
          `exit ${x.sendNscaDefault.exit}, ${fmt.int(x.sendNscaDefault.landed)} landed in ${fmt.fixed(x.sendNscaDefault.wallSeconds, 2)} s`,
        ]),
      ),
    );
  }

  if (r.latency || r.idle) {
    out.push('');
    out.push('### Daemon: latency and idle (real nsca on 127.0.0.1, encryption 1)');
    out.push('');
    const rows = [];
    if (r.latency) {
      const t = r.latency.trickle;
      const i = r.latency.isolated;
      rows.push([
        `append -> command file, Poisson arrivals ${t.ratePerSecond}/s (${t.samples} refusals)`,
        `median ${fmt.fixed(t.medianMs, 1)} ms, p99 ${fmt.fixed(t.p99Ms, 1)} ms, max ${fmt.fixed(t.maxMs, 1)} ms; ${t.landed}/${t.samples} landed, ${t.under100ms} under 100 ms`,
      ]);
      rows.push([
        `append -> command file, one at a time ${i.gapMs} ms apart (${i.samples} refusals)`,
        `median ${fmt.fixed(i.medianMs, 1)} ms, p99 ${fmt.fixed(i.p99Ms, 1)} ms, max ${fmt.fixed(i.maxMs, 1)} ms; ${i.landed}/${i.samples} landed`,
      ]);
    }
    if (r.idleSystemd)
      rows.push([
        `idle for ${r.idleSystemd.seconds} s as under systemd (notify socket, WatchdogSec=120s, status file every 5 s on tmpfs; children's CPU included), from ${r.idleSystemd.settleSeconds} s after the start`,
        `${fmt.fixed(r.idleSystemd.cpuSeconds, 2)} CPU s = ${fmt.fixed(r.idleSystemd.cpuSecondsPerMinute, 3)} s/min; ${r.idleSystemd.notifications} datagrams; settling (${r.idleSystemd.startupSeconds}-${r.idleSystemd.settleSeconds} s after the start) ${fmt.fixed(r.idleSystemd.settlingCpuSeconds, 2)} CPU s`,
      ]);
    if (r.idle) {
      const bare = Number.isFinite(r.idle.bareNodeRssKiB)
        ? ` (a bare \`node -e 'setInterval(() => {}, 1e6)'\` beside it: ${fmt.mib(r.idle.bareNodeRssKiB)}, so ${fmt.ratio(r.idle.rssVsBareNode)})`
        : '';
      const flags = r.idle.nodeOptions ? `; NODE_OPTIONS from the unit: \`${r.idle.nodeOptions}\`` : '';
      rows.push([
        `idle for ${r.idle.seconds} s (default config), from ${r.idle.settleSeconds} s after the start`,
        `${fmt.fixed(r.idle.cpuSeconds, 2)} CPU s = ${fmt.fixed(r.idle.cpuSecondsPerMinute, 3)} s/min (10 ms ticks); RSS ${fmt.mib(r.idle.rssKiB)}${bare}; start-up (first ${r.idle.startupSeconds} s) took ${fmt.fixed(r.idle.startupCpuSeconds, 2)} CPU s, settling (${r.idle.startupSeconds}-${r.idle.settleSeconds} s: V8 shrinking the start's heap) ${fmt.fixed(r.idle.settlingCpuSeconds, 2)}${flags}`,
      ]);
    }
    out.push(table(['measure', 'result'], rows));
  }

  if (r.storm) {
    const s = r.storm.summary;
    const w = r.storm.runs[0].writer;
    out.push('');
    out.push(
      `### Daemon: storm of ${fmt.int(r.storm.runs[0].rate)} refusals/s for ${r.storm.runs[0].seconds} s from ${fmt.int(r.storm.runs[0].sources)} sources (default throttle: cap ${s.cap}/min), ${r.storm.runs.length} runs`,
    );
    out.push('');
    out.push(
      table(
        [
          'run',
          'written',
          'read',
          'caught up after the end',
          'CPU s until caught up',
          'peak RSS',
          'results (ordinary / storm summaries)',
          'ordinary per 60 s at arrival (per 59 s)',
          'refusals accounted',
        ],
        r.storm.runs.map((x, n) => [
          n + 1,
          `${fmt.int(x.writer.lines)} in ${fmt.fixed(x.writer.seconds, 2)} s`,
          fmt.int(x.linesRead),
          x.caughtUp ? `${fmt.fixed(x.catchUpSeconds, 2)} s` : 'no',
          fmt.fixed(x.cpuSecondsStorm, 2),
          fmt.mib(x.peakRssKiB),
          `${x.results} (${x.ordinaryResults} / ${x.stormSummaries})`,
          `${x.ordinaryMaxPer60s} (${x.ordinaryMaxPer59s})`,
          `${fmt.int(x.refusalsAccounted)} / ${fmt.int(x.writer.lines)}`,
        ]),
      ),
    );
    out.push('');
    out.push(
      `Medians: caught up ${fmt.fixed(s.catchUpSeconds, 2)} s after the last append (stats-line resolution ${r.storm.runs[0].catchUpResolutionSeconds} s), ${fmt.fixed(s.cpuSecondsStorm, 2)} CPU s for the storm, peak RSS ${fmt.fixed(s.peakRssMiB, 1)} MiB. The storm summary landed ${fmt.fixed(s.firstStormSummaryAfterSeconds, 1)} s after the storm began. Writer: ${fmt.int(w.bytes)} bytes per run.${s.nodeOptions ? ` The daemon ran with the unit's NODE_OPTIONS \`${s.nodeOptions}\`.` : ''}`,
    );
  }

  if (r.catchup) {
    const c = r.catchup;
    out.push('');
    out.push(
      `### Daemon: catch-up after downtime, ${fmt.int(c.lines)} unread lines (${fmt.int(c.refusalLines)} refusal lines = ${fmt.int(c.refusalEvents)} refusals), ${c.runs.length} restarts`,
    );
    out.push('');
    out.push(
      table(
        [
          'run',
          'restart -> caught up',
          '"started" -> caught up',
          'lines/s',
          '`parse --count` same lines',
          'lines/s',
          'daemon rate / parse rate',
          'refusals parsed',
          'results landed (ordinary / storm)',
          'peak RSS',
        ],
        c.runs.map((x) => [
          x.run + 1,
          x.caughtUp ? `${fmt.fixed(x.seconds, 2)} s` : 'no',
          `${fmt.fixed(x.afterStartSeconds, 2)} s`,
          fmt.int(x.linesPerSecond),
          `${fmt.fixed(x.parseSeconds, 2)} s`,
          fmt.int(x.parseLinesPerSecond),
          pct(x.rateRatio),
          fmt.int(x.refusalsParsed),
          `${x.ordinaryResults} / ${x.stormSummaries}`,
          fmt.mib(x.peakRssKiB),
        ]),
      ),
    );
    out.push('');
    out.push(
      `The ratio is judged on whole processes, both with their start-up: the daemon's time runs from spawning it until its stats line (every ${c.resolutionSeconds} s: the resolution) shows every line read and nothing behind. The daemon and \`parse --count\` alternate which goes first. "started" -> caught up leaves out the daemon's start-up (modules, config, checkpoints, receiver), for reference.`,
    );
  }

  if (r.micro) {
    out.push('');
    out.push('### Micro benchmarks (`vitest bench`, operations per second)');
    out.push('');
    out.push(
      table(
        ['file', 'group', 'benchmark', 'ops/s', '± (rme)'],
        r.micro.map((b) => [b.file, b.group, b.name, fmt.int(b.hz), `${fmt.fixed(b.rme, 1)}%`]),
      ),
    );
  }

  if (r.components?.length) {
    out.push('');
    out.push('### Component scripts');
    for (const c of r.components) {
      out.push('');
      out.push(`\`${c.command}\` (${fmt.fixed(c.seconds, 0)} s${c.code === 0 ? '' : `, exit ${c.code}`}):`);
      out.push('');
      out.push('```');
      out.push(c.output.trim());
      out.push('```');
    }
  }
  return out.join('\n');
}
