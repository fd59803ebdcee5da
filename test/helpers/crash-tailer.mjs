#!/usr/bin/env node
// A minimal daemon for the crash test: follows one file with the built FileSource, "delivers"
// each line by printing it, and commits the last delivered position every COMMIT_MS, printing
// a marker once the commit is durable. The test kills it with SIGKILL at random moments.
//
//   node test/helpers/crash-tailer.mjs LOG STATE_DIR [COMMIT_MS]
//
// stdout: "L <line>" for each delivered line, "C <line>" after a commit through that line.
import { FileSource } from '../../dist/source/file-source.js';
import { createSeqCounter } from '../../dist/source/line-source.js';
import { CheckpointStore } from '../../dist/state/checkpoint-store.js';

const [path, stateDir, commitMs = '30'] = process.argv.slice(2);
if (!path || !stateDir) {
  process.stderr.write('usage: crash-tailer.mjs LOG STATE_DIR [COMMIT_MS]\n');
  process.exit(2);
}

const quiet = { error: log('error'), warn: log('warn'), info: () => {}, debug: () => {} };
function log(level) {
  return (obj, msg) =>
    process.stderr.write(`${level}: ${msg ?? ''} ${JSON.stringify(obj, (k, v) => (k === 'err' ? String(v) : v))}\n`);
}

const store = new CheckpointStore({ directory: stateDir, logger: quiet });
const checkpoints = await store.load();
let last = null;
let committed = null;

const source = new FileSource({
  path,
  startAt: 'beginning',
  maxLineBytes: 4096,
  rotationGraceMs: 150,
  pollIntervalMs: 50,
  resumeFrom: checkpoints.get(path) ?? null,
  nextSeq: createSeqCounter(),
  logger: quiet,
  onLines: async (batch) => {
    // Pipes are written synchronously on Linux: once this returns, the test can see the lines.
    process.stdout.write(batch.map((l) => `L ${l.text}\n`).join(''));
    last = batch[batch.length - 1];
  },
});
await source.start();
// As the daemon does on a first start: commit where reading began, so that a crash before the
// first commit does not make the next start begin at start_at again, past rotated files.
const begin = source.position();
if (!checkpoints.has(path) && begin !== null) await store.commit([[path, begin]]);
process.stdout.write('READY\n');

for (;;) {
  await new Promise((resolve) => setTimeout(resolve, Number(commitMs)));
  const through = last;
  if (through !== null && through !== committed) {
    await store.commit([[path, through.position]]);
    committed = through;
    process.stdout.write(`C ${through.text}\n`);
  }
}
