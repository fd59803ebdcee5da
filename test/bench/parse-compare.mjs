#!/usr/bin/env node
/**
 * `wrapwatch parse` against what a user would otherwise run over the same log:
 *   grep -cE / grep -E with the refusal phrases: the floor (a C scan that understands nothing);
 *   fail2ban-regex with Debian's sshd and xinetd-fail filters (run with `-o msg`, its lean mode
 *   that prints only the matched lines: cheaper than its default report, so it favours fail2ban).
 * Wall time (our clock), peak RSS and CPU (GNU time), lines/s; the runs of each contender are
 * interleaved and their order rotates from run to run, so drift on a shared machine hits all alike.
 *
 * How many TRUE refusals each found is checked against the generator's truth file
 * (OUT.truth.tsv: line, kind, address, count), in untimed runs: wrapwatch's --json output line
 * by line (kind, normalised address and count must agree), grep's matching line numbers, and
 * the lines fail2ban printed.
 *
 *   npm run build && node test/bench/generate-log.mjs --out /tmp/auth.log
 *   node test/bench/parse-compare.mjs --log /tmp/auth.log [--runs 5] [--f2b-runs 3] [--f2b-lines N]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLI, CLI_NODE_FLAGS } from './lib/nsca.mjs';
import { fmt, median, rotated, timeCommand } from './lib/measure.mjs';

/** One phrase per refusal format wrapwatch parses (see shared notes, libwrap-formats.md). */
export const GREP_PATTERN = [
  'refused connect from',
  'libwrap refused connection to',
  'FAIL: .* libwrap from=',
  'request from unauthorized host',
  'REFUSED by libwrap',
  'due to tcpwrapper option',
  'refused connection from .*, service',
  'connection refused from',
].join('|');

export const FAIL2BAN_FILTERS = ['sshd', 'xinetd-fail'];
const FILTER_DIR = '/etc/fail2ban/filter.d';

async function readTruth(log) {
  const byLine = new Map();
  for (const row of (await readFile(`${log}.truth.tsv`, 'utf8')).split('\n')) {
    if (row === '') continue;
    const [line, kind, address, count] = row.split('\t');
    byLine.set(Number(line), { kind, address, count: Number(count) });
  }
  return byLine;
}

/** The texts of the given line numbers, as a multiset (fail2ban prints lines, not numbers). */
async function linesAt(log, numbers) {
  const texts = new Map();
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(log), crlfDelay: Infinity })) {
    if (numbers.has(++n)) texts.set(line, (texts.get(line) ?? 0) + 1);
  }
  return texts;
}

/** Writes the first `lines` lines of `log` (and the matching truth rows) for a slower tool. */
async function slice(log, lines) {
  const out = `${log}.first${lines}`;
  if (!existsSync(out)) {
    execFileSync('sh', ['-c', `head -n ${lines} "$1" > "$2"`, 'sh', log, out]);
    const rows = (await readFile(`${log}.truth.tsv`, 'utf8'))
      .split('\n')
      .filter((r) => r !== '' && Number(r.split('\t')[0]) <= lines);
    await writeFile(`${out}.truth.tsv`, rows.join('\n') + '\n');
  }
  return out;
}

function sumCounts(truth, lineNumbers) {
  let events = 0;
  for (const n of lineNumbers) events += truth.get(n)?.count ?? 0;
  return events;
}

/** wrapwatch --json against the truth: every refusal line, with the right kind, address and count. */
async function checkWrapwatch(log, truth) {
  const { stdout } = await timeCommand(
    process.execPath,
    [...CLI_NODE_FLAGS, CLI, 'parse', '--json', '--timezone', 'UTC', log],
    { capture: true },
  );
  const found = new Set();
  let wrong = 0;
  let falsePositives = 0;
  let events = 0;
  for (const row of stdout.split('\n')) {
    if (row === '') continue;
    const event = JSON.parse(row);
    const expected = truth.get(event.lineNumber);
    if (!expected) {
      falsePositives++;
      continue;
    }
    found.add(event.lineNumber);
    events += event.count;
    if (
      expected.kind !== event.kind ||
      expected.address !== (event.peer === 'server-address' ? event.serverAddress : event.address) ||
      expected.count !== event.count
    )
      wrong++;
  }
  return {
    trueLines: found.size,
    trueEvents: sumCounts(truth, found),
    reportedEvents: events,
    wrongFields: wrong,
    falseLines: falsePositives,
  };
}

async function checkGrep(log, truth) {
  const { stdout } = await timeCommand('grep', ['-nE', GREP_PATTERN, log], { capture: true });
  const found = new Set();
  let falseLines = 0;
  for (const row of stdout.split('\n')) {
    if (row === '') continue;
    const n = Number(row.slice(0, row.indexOf(':')));
    if (truth.has(n)) found.add(n);
    else falseLines++;
  }
  return {
    trueLines: found.size,
    trueEvents: sumCounts(truth, found),
    reportedEvents: found.size + falseLines,
    falseLines,
  };
}

/** fail2ban's printed lines against the truth's texts; the rest are sshd auth failures etc. (its job) or near misses. */
function checkFail2ban(stdout, truthTexts, truthCountByText) {
  const left = new Map(truthTexts);
  // What its refusal regexes match: sshd's `^refused connect from`, xinetd-fail's `^FAIL: ... libwrap from=`,
  // right after the header (": " or RFC 5424's "- -  "). Its other matches are auth failures.
  const refusalClaim = /(?:: | {2})(?:refused connect from |FAIL: \S+ libwrap from=)/;
  let trueLines = 0;
  let trueEvents = 0;
  let otherLines = 0;
  let falseLines = 0;
  for (const row of stdout.split('\n')) {
    if (row === '') continue;
    const n = left.get(row) ?? 0;
    if (n > 0) {
      left.set(row, n - 1);
      trueLines++;
      trueEvents += truthCountByText.get(row) ?? 1;
    } else {
      otherLines++;
      // A near miss or forgery taken for a refusal (the rest are auth failures: fail2ban's job).
      if (refusalClaim.test(row)) falseLines++;
    }
  }
  return { trueLines, trueEvents, reportedEvents: trueLines + otherLines, otherLines, falseLines };
}

export async function compareParse({
  log,
  runs = 5,
  f2bRuns = 3,
  f2bLines = 0,
  progress = (s) => process.stderr.write(`${s}\n`),
}) {
  const expected = JSON.parse(await readFile(`${log}.expected.json`, 'utf8'));
  const truth = await readTruth(log);
  const haveFail2ban = existsSync('/usr/bin/fail2ban-regex') && f2bRuns > 0;
  const f2bLog = haveFail2ban && f2bLines > 0 && f2bLines < expected.lines ? await slice(log, f2bLines) : log;
  const f2bLineCount = f2bLog === log ? expected.lines : f2bLines;

  const contenders = [
    {
      id: 'grep-c',
      name: 'grep -cE PHRASES',
      cmd: 'grep',
      args: ['-cE', GREP_PATTERN, log],
      capture: true,
      lines: expected.lines,
    },
    {
      id: 'ww-count',
      name: 'wrapwatch parse --count',
      cmd: process.execPath,
      args: [...CLI_NODE_FLAGS, CLI, 'parse', '--count', '--timezone', 'UTC', log],
      capture: true,
      lines: expected.lines,
    },
    // Both print every match into a pipe (GNU grep stops at the first match when stdout is /dev/null).
    {
      id: 'grep',
      name: 'grep -E PHRASES, into a pipe',
      cmd: 'grep',
      args: ['-E', GREP_PATTERN, log],
      capture: true,
      lines: expected.lines,
    },
    {
      id: 'ww',
      name: 'wrapwatch parse, into a pipe',
      cmd: process.execPath,
      args: [...CLI_NODE_FLAGS, CLI, 'parse', '--timezone', 'UTC', log],
      capture: true,
      lines: expected.lines,
    },
  ];
  const slow = haveFail2ban
    ? FAIL2BAN_FILTERS.map((filter) => ({
        id: `f2b-${filter}`,
        name: `fail2ban-regex -o msg LOG ${filter}.conf`,
        cmd: 'fail2ban-regex',
        args: ['-o', 'msg', f2bLog, `${FILTER_DIR}/${filter}.conf`],
        capture: true,
        lines: f2bLineCount,
      }))
    : [];

  const samples = new Map([...contenders, ...slow].map((c) => [c.id, []]));
  const outputs = new Map();
  const totalRuns = Math.max(runs, haveFail2ban ? f2bRuns : 0);
  for (let run = 0; run < totalRuns; run++) {
    const list = [...(run < runs ? contenders : []), ...(run < f2bRuns ? slow : [])];
    for (const c of rotated(list, run)) {
      const r = await timeCommand(c.cmd, c.args, { capture: c.capture });
      if (r.code !== 0 && !(c.id.startsWith('grep') && r.code === 1))
        throw new Error(`${c.name} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
      samples.get(c.id).push({ run, ...r, stdout: undefined });
      if (!outputs.has(c.id)) outputs.set(c.id, r.stdout);
      progress(`  parse run ${run + 1}/${totalRuns}: ${c.name}: ${r.seconds.toFixed(3)} s, ${fmt.mib(r.maxRssKiB)}`);
    }
  }

  progress('  checking what each found against the truth file ...');
  const all = { truthLines: truth.size, truthEvents: expected.refusalEvents };
  const found = {
    'ww-count': { ...(await checkWrapwatch(log, truth)), reported: Number(outputs.get('ww-count').trim()), ...all },
    'grep-c': { ...(await checkGrep(log, truth)), reported: Number(outputs.get('grep-c').trim()), ...all },
  };
  found.ww = found['ww-count'];
  found.grep = found['grep-c'];
  if (haveFail2ban) {
    const f2bTruth = f2bLog === log ? truth : await readTruth(f2bLog);
    const texts = await linesAt(f2bLog, new Set(f2bTruth.keys()));
    // Repeated lines ("message repeated N times") count N events; text -> count for those.
    const countByText = new Map();
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(f2bLog), crlfDelay: Infinity })) {
      const t = f2bTruth.get(++n);
      if (t && t.count > 1) countByText.set(line, t.count);
    }
    const union = { trueLines: 0, trueEvents: 0, reportedEvents: 0, otherLines: 0, falseLines: 0 };
    for (const filter of FAIL2BAN_FILTERS) {
      const f = checkFail2ban(outputs.get(`f2b-${filter}`), texts, countByText);
      found[`f2b-${filter}`] = {
        ...f,
        reported: f.reportedEvents,
        truthLines: f2bTruth.size,
        truthEvents: [...f2bTruth.values()].reduce((s, t) => s + t.count, 0),
      };
      for (const k of Object.keys(union)) union[k] += f[k];
    }
    found['f2b-both'] = { ...union, truthLines: f2bTruth.size, truthEvents: found['f2b-sshd'].truthEvents };
  }

  const summary = (id) => {
    const s = samples.get(id);
    const c = [...contenders, ...slow].find((x) => x.id === id);
    const wall = median(s.map((x) => x.seconds));
    return {
      id,
      name: c.name,
      runs: s.length,
      lines: c.lines,
      wallSeconds: wall,
      linesPerSecond: c.lines / wall,
      peakRssKiB: median(s.map((x) => x.maxRssKiB)),
      worstPeakRssKiB: Math.max(...s.map((x) => x.maxRssKiB)),
      cpuSeconds: median(s.map((x) => x.cpuSeconds)),
      found: found[id],
    };
  };
  const rows = [...contenders, ...slow].map((c) => summary(c.id));
  /** Median over runs of (a's figure / b's figure) within the same run. */
  const pairedRatio = (a, b, pick) => {
    const byRun = new Map(samples.get(b).map((x) => [x.run, x]));
    return median(
      samples
        .get(a)
        .filter((x) => byRun.has(x.run))
        .map((x) => pick(x, byRun.get(x.run))),
    );
  };
  const ratios = {
    countVsGrepWall: pairedRatio('ww-count', 'grep-c', (a, b) => a.seconds / b.seconds),
    linesVsGrepWall: pairedRatio('ww', 'grep', (a, b) => a.seconds / b.seconds),
  };
  if (haveFail2ban) {
    // Lines/s ratio; fail2ban may have read a slice, so compare rates, not times.
    for (const filter of FAIL2BAN_FILTERS) {
      ratios[`countVsF2b-${filter}`] = pairedRatio(
        'ww-count',
        `f2b-${filter}`,
        (a, b) => expected.lines / a.seconds / (f2bLineCount / b.seconds),
      );
    }
    ratios['countVsF2b-both'] = pairedRatio('ww-count', 'f2b-sshd', (a, b) => {
      const x = samples.get('f2b-xinetd-fail').find((s) => s.run === b.run);
      return x ? expected.lines / a.seconds / (f2bLineCount / (b.seconds + x.seconds)) : NaN;
    });
  }
  return {
    expected,
    truthLines: truth.size,
    f2bLines: haveFail2ban ? f2bLineCount : 0,
    haveFail2ban,
    rows,
    ratios,
    f2bBoth: found['f2b-both'] ?? null,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      log: { type: 'string' },
      runs: { type: 'string', default: '5' },
      'f2b-runs': { type: 'string', default: '3' },
      'f2b-lines': { type: 'string', default: '0' },
    },
  });
  if (!values.log) {
    process.stderr.write(
      'usage: parse-compare.mjs --log FILE (from generate-log.mjs) [--runs N] [--f2b-runs N] [--f2b-lines N]\n',
    );
    process.exit(2);
  }
  const result = await compareParse({
    log: values.log,
    runs: Number(values.runs),
    f2bRuns: Number(values['f2b-runs']),
    f2bLines: Number(values['f2b-lines']),
  });
  console.log(JSON.stringify(result, null, 2));
}
