/**
 * The tailer and the checkpoint store in a child process, killed with SIGKILL at random
 * moments while a writer appends, renames and copytruncates the log. Across all restarts:
 * every line written is delivered at least once, in order within each run, and a run repeats
 * only lines after the last commit it is known to have made durable.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, copyFileSync, openSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from '../helpers/built-dist.js';
import { sleep, tempDir, waitFor } from '../helpers/source-harness.js';

const TAILER = join(REPO_ROOT, 'test/helpers/crash-tailer.mjs');

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  /** Line numbers in the order this run delivered them. */
  readonly delivered: number[];
  /** Delivered lines that are no whole written line (for the failure message). */
  readonly fragments: string[];
  /** The line number of the last commit it reported durable (-1: none). */
  lastCommit: number;
  stderr: string;
  ready: boolean;
  exited: boolean;
}

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  assertBuilt(['source', 'state']);
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-crash-'));
});
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await cleanup();
});

const numberOf = (text: string) => Number(/^w-(\d+)/.exec(text)?.[1] ?? NaN);

function startTailer(log: string, state: string): Run {
  const child = spawn(process.execPath, [TAILER, log, state, '20'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const run: Run = { child, delivered: [], fragments: [], lastCommit: -1, stderr: '', ready: false, exited: false };
  let partial = '';
  child.stdout.on('data', (b: Buffer) => {
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') run.ready = true;
      else if (line.startsWith('L ')) {
        const k = numberOf(line.slice(2));
        run.delivered.push(k);
        if (Number.isNaN(k)) run.fragments.push(JSON.stringify(line.slice(2, 80)));
      } else if (line.startsWith('C ')) run.lastCommit = numberOf(line.slice(2));
    }
  });
  child.stderr.on('data', (b: Buffer) => (run.stderr += b.toString('utf8')));
  child.on('close', () => (run.exited = true));
  return run;
}

async function kill(run: Run): Promise<void> {
  run.child.kill('SIGKILL');
  await waitFor(() => run.exited, 'the tailer to die');
}

describe('FileSource + CheckpointStore killed with SIGKILL at random moments', () => {
  it('delivers every line at least once, repeating only lines after the last durable commit', async () => {
    const log = join(dir, 'auth.log');
    const state = join(dir, 'state');
    writeFileSync(log, '');
    let seed = 20261121;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

    // The writer: rsyslog-like, holding its file open; logrotate-like rotations now and then.
    let written = 0;
    let fd = openSync(log, 'a');
    let rotations = 0;
    let streamStart = 0;
    let current: Run | null = null;
    let writing = true;
    // What the writer did, and when runs started and died: the story behind a failure.
    const events: string[] = [];
    // The first tailer is up before anything is written: without a checkpoint it would start at
    // the path's start (start_at), and files rotated before it ran are not its business.
    const first = startTailer(log, state);
    current = first;
    await waitFor(() => first.ready, 'the first tailer to start');
    const writer = (async () => {
      // `writing` and `current` change in the killer loop below while this one awaits.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      while (writing) {
        const n = 1 + Math.floor(random() * 5);
        let text = '';
        for (let i = 0; i < n; i++)
          text += `w-${String(++written).padStart(7, '0')} ${'x'.repeat(Math.floor(random() * 60))}\n`;
        writeSync(fd, text);
        const roll = random();
        if (roll < 0.04) {
          renameSync(log, `${log}-${String(++rotations).padStart(8, '0')}`);
          const created = random() < 0.5;
          if (created) writeFileSync(log, '');
          // One more line to the old file before the writer reopens (rsyslog before its HUP).
          const late = random() < 0.5;
          if (late) writeSync(fd, `w-${String(++written).padStart(7, '0')} late\n`);
          events.push(
            `rename #${rotations} after ${late ? written - 1 : written}${created ? ', created' : ''}${late ? `, late ${written}` : ''}`,
          );
          closeSync(fd);
          fd = openSync(log, 'a');
          streamStart = written + 1;
        } else if (roll < 0.06) {
          // copytruncate, only of content a running tailer has already read some of (see the
          // model test's notes on what copytruncate cannot guarantee); always while none runs.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          const seen = current === null || current.exited || current.delivered.some((k) => k >= streamStart);
          if (seen) {
            copyFileSync(log, `${log}-${String(++rotations).padStart(8, '0')}`);
            truncateSync(log, 0);
            events.push(`copytruncate #${rotations} after ${written}`);
            streamStart = written + 1;
          }
        }
        await sleep(1 + Math.floor(random() * 3));
      }
    })();

    const runs: Run[] = [];
    try {
      for (let cycle = 0; cycle < 10; cycle++) {
        const run = cycle === 0 ? first : startTailer(log, state);
        current = run;
        runs.push(run);
        await waitFor(() => run.ready || run.exited, 'the tailer to start');
        events.push(`run ${cycle} ready at ${written}`);
        await sleep(100 + Math.floor(random() * 400));
        await kill(run);
        events.push(`run ${cycle} killed at ${written}`);
        await sleep(Math.floor(random() * 150));
      }
    } finally {
      writing = false;
      await writer;
      closeSync(fd);
    }
    // A last run, left alone until it has caught up (the rotated files' grace periods pass).
    const final = startTailer(log, state);
    current = final;
    runs.push(final);
    await waitFor(() => final.delivered.includes(written), `line ${written} (stderr: ${final.stderr})`, 25_000);
    await kill(final);

    expect(rotations).toBeGreaterThan(2);
    const everDelivered = new Set(runs.flatMap((r) => r.delivered));
    const missing = Array.from({ length: written }, (_, i) => i + 1).filter((k) => !everDelivered.has(k));
    const summary = runs
      .map(
        (r, i) =>
          `run ${i}: ${r.delivered[0] ?? '-'}..${r.delivered.at(-1) ?? '-'} (${r.delivered.length}), last commit ${r.lastCommit}; first: ${r.delivered.slice(0, 12).join(' ')}${r.fragments.length > 0 ? `; fragments: ${r.fragments.slice(0, 5).join(' ')}` : ''}`,
      )
      .join('\n');
    const story = `${summary}\nwriter and runs: ${events.slice(0, 60).join('; ')}\ntailer errors:\n${runs.map((r) => r.stderr).join('')}`;
    expect(missing, `lines never delivered (${written} written)\n${story}`).toEqual([]);
    expect(
      runs.flatMap((r) => r.fragments),
      `lines delivered that were never written whole\n${story}`,
    ).toEqual([]);

    let committed = 0;
    for (const [i, run] of runs.entries()) {
      // In order and once within a run, and restarting right after the last known commit or later.
      const broken = run.delivered.findIndex((k, j) => j > 0 && k !== (run.delivered[j - 1] ?? 0) + 1);
      const around = run.delivered.slice(Math.max(0, broken - 5), broken + 6).join(' ');
      expect(broken, `run ${i} out of order at delivery ${broken}: ... ${around} ...\n${story}`).toBe(-1);
      if (run.delivered.length > 0)
        expect(run.delivered[0], `run ${i} repeated committed lines\n${story}`).toBeGreaterThan(committed);
      if (run.lastCommit > committed) committed = run.lastCommit;
    }
    expect(runs.filter((r) => r.lastCommit > 0).length).toBeGreaterThan(3);
  });
});
