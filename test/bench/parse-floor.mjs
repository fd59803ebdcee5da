#!/usr/bin/env node
/**
 * Where the time of `wrapwatch parse --count` goes, as whole processes that each do one more
 * step than the last (so every figure includes Node's start-up, as the real command's does):
 *
 *   node start-up            node -e 0
 *   + wrapwatch's modules    wrapwatch parse --count /dev/null
 *   + read the file          readSync into one reused 256 KiB buffer
 *   + split every line       LineSplitter without a prefilter: every line becomes a string
 *   + split, byte prefilter  LineSplitter with REFUSAL_PHRASES: only candidate lines become strings
 *   + parse the candidates   wrapwatch parse --count
 *   grep -cE                 the floor the targets compare with
 *
 * Rounds interleave the steps (their order rotating), medians of wall and CPU are reported.
 *
 *   npm run build && node test/bench/parse-floor.mjs --log /tmp/auth.log [--runs 5]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CLI, CLI_NODE_FLAGS, REPO_ROOT } from './lib/nsca.mjs';
import { median, rotated, timeCommand } from './lib/measure.mjs';
import { GREP_PATTERN } from './parse-compare.mjs';

const dist = (path) => JSON.stringify(join(REPO_ROOT, 'dist', path));

/** A program reading LOG (argv[1]) in 256 KiB pieces into one buffer; BODY handles `chunk`. */
const reader = (imports, setup, body, result) => `
${imports}
import { closeSync, openSync, readSync } from 'node:fs';
const fd = openSync(process.argv[1], 'r');
const buffer = Buffer.allocUnsafe(256 * 1024);
${setup}
for (;;) {
  const n = readSync(fd, buffer, 0, buffer.length, null);
  if (n === 0) break;
  const chunk = buffer.subarray(0, n);
  ${body}
}
closeSync(fd);
console.log(${result});
`;

export function floorSteps(log) {
  const splitter = `import { LineSplitter } from ${dist('source/line-splitter.js')};`;
  const phrases = `import { REFUSAL_PHRASES } from ${dist('parse/prefilter.js')};`;
  return [
    { id: 'node', name: 'node start-up (`node -e 0`)', cmd: process.execPath, args: ['-e', '0'] },
    {
      id: 'modules',
      name: "+ wrapwatch's modules (`parse --count /dev/null`)",
      cmd: process.execPath,
      args: [...CLI_NODE_FLAGS, CLI, 'parse', '--count', '--timezone', 'UTC', '/dev/null'],
    },
    {
      id: 'read',
      name: '+ read the file (one reused 256 KiB buffer)',
      cmd: process.execPath,
      args: ['--input-type=module', '-e', reader('', 'let bytes = 0;', 'bytes += n;', 'bytes'), log],
    },
    {
      id: 'split-all',
      name: '+ split, every line a string (no prefilter)',
      cmd: process.execPath,
      args: [
        '--input-type=module',
        '-e',
        reader(
          splitter,
          'const s = new LineSplitter(65536); let kept = 0;',
          'kept += s.push(chunk).length;',
          's.lineCount + " " + kept',
        ),
        log,
      ],
    },
    {
      id: 'split-keep',
      name: '+ split with the byte prefilter (candidates become strings)',
      cmd: process.execPath,
      args: [
        '--input-type=module',
        '-e',
        reader(
          splitter + phrases,
          'const s = new LineSplitter(65536, { keep: REFUSAL_PHRASES }); let kept = 0;',
          'kept += s.push(chunk).length;',
          's.lineCount + " " + kept',
        ),
        log,
      ],
    },
    {
      id: 'parse',
      name: '+ parse the candidates (`wrapwatch parse --count`)',
      cmd: process.execPath,
      args: [...CLI_NODE_FLAGS, CLI, 'parse', '--count', '--timezone', 'UTC', log],
    },
    { id: 'grep', name: '`grep -cE PHRASES`', cmd: 'grep', args: ['-cE', GREP_PATTERN, log] },
  ];
}

export async function measureFloor({ log, runs = 5, progress = (s) => process.stderr.write(`${s}\n`) }) {
  const steps = floorSteps(log);
  const samples = new Map(steps.map((s) => [s.id, []]));
  const outputs = new Map();
  for (let run = 0; run < runs; run++) {
    for (const step of rotated(steps, run)) {
      const r = await timeCommand(step.cmd, step.args, { capture: true });
      if (r.code !== 0 && !(step.id === 'grep' && r.code === 1))
        throw new Error(`${step.name} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
      samples.get(step.id).push(r);
      outputs.set(step.id, r.stdout.trim());
    }
    progress(`  floor round ${run + 1}/${runs} done`);
  }
  return steps.map((s) => ({
    id: s.id,
    name: s.name,
    output: outputs.get(s.id),
    wallSeconds: median(samples.get(s.id).map((x) => x.seconds)),
    cpuSeconds: median(samples.get(s.id).map((x) => x.cpuSeconds)),
    peakRssKiB: median(samples.get(s.id).map((x) => x.maxRssKiB)),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { log: { type: 'string' }, runs: { type: 'string', default: '5' } } });
  if (!values.log) {
    process.stderr.write('usage: parse-floor.mjs --log FILE [--runs N]\n');
    process.exit(2);
  }
  const rows = await measureFloor({ log: values.log, runs: Number(values.runs) });
  for (const r of rows)
    console.log(
      `${r.name.padEnd(64)} wall ${r.wallSeconds.toFixed(3)} s  cpu ${r.cpuSeconds.toFixed(2)} s  rss ${(r.peakRssKiB / 1024).toFixed(1)} MiB  ${r.output}`,
    );
}
