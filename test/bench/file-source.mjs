#!/usr/bin/env node
// File source and checkpoint store figures, against the built code (run `npm run build` first):
//
//   node test/bench/file-source.mjs [--lines 1000000] [--appends 1000] [--runs 3]
//
// 1. Throughput: lines per second the FileSource delivers reading a realistic N-line auth log
//    from the beginning (the handler does nothing; one batch per 1 MiB read).
// 2. Latency: from appending one line to the handler receiving it, over M appends made one at a
//    time with random pauses, with the directory watcher, and with polling alone (1 s default).
// 3. Checkpoint commit: the cost of one atomic, fsynced commit (the daemon makes at most one a second).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../../dist/source/file-source.js';
import { createSeqCounter } from '../../dist/source/line-source.js';
import { CheckpointStore } from '../../dist/state/checkpoint-store.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    appends: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
  },
});
const LINES = Number(values.lines);
const APPENDS = Number(values.appends);
const RUNS = Number(values.runs);
const silent = {
  error: (o, m) => console.error(m, o),
  warn: (o, m) => console.error(m, o),
  info: () => {},
  debug: () => {},
};
const dir = mkdtempSync(join(tmpdir(), 'wrapwatch-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

try {
  // --- a realistic log: the parser's benchmark generator (sshd, sudo, CRON, xinetd, refusals) ---
  const log = join(dir, 'auth.log');
  const generator = fileURLToPath(new URL('./generate-log.mjs', import.meta.url));
  execFileSync(process.execPath, [generator, '--lines', String(LINES), '--out', log, '--seed', '7'], {
    stdio: 'ignore',
  });
  const bytes = statSync(log).size;
  console.log(
    `log: ${LINES.toLocaleString('en')} lines, ${(bytes / 1048576).toFixed(1)} MiB (${(bytes / LINES).toFixed(0)} bytes/line)`,
  );

  // --- throughput ---
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    let count = 0;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    const source = new FileSource({
      path: log,
      startAt: 'beginning',
      maxLineBytes: 65536,
      rotationGraceMs: 5000,
      pollIntervalMs: 1000,
      nextSeq: createSeqCounter(),
      logger: silent,
      onLines: async (batch) => {
        count += batch.length;
        if (count >= LINES) done();
      },
    });
    const t0 = process.hrtime.bigint();
    await source.start();
    await finished;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await source.stop();
    rates.push(LINES / seconds);
    console.log(
      `  run ${run + 1}: ${seconds.toFixed(3)} s, ${Math.round(LINES / seconds).toLocaleString('en')} lines/s, ${(bytes / 1048576 / seconds).toFixed(0)} MiB/s`,
    );
  }
  console.log(`throughput: median ${Math.round(median(rates)).toLocaleString('en')} lines/s over ${RUNS} runs`);

  // --- latency: append -> handler ---
  for (const watch of [true, false]) {
    const path = join(dir, `latency-${watch}.log`);
    writeFileSync(path, '');
    let waiting = null;
    const source = new FileSource({
      path,
      startAt: 'end',
      maxLineBytes: 65536,
      rotationGraceMs: 5000,
      pollIntervalMs: 1000,
      watch,
      nextSeq: createSeqCounter(),
      logger: silent,
      onLines: async (batch) => {
        for (const line of batch) if (waiting && line.text === waiting.text) waiting.resolve(process.hrtime.bigint());
      },
    });
    await source.start();
    const n = watch ? APPENDS : Math.min(APPENDS, 30);
    const latencies = [];
    for (let i = 0; i < n; i++) {
      const text = `Nov 21 16:15:31 gate sshd[${1000 + i}]: refused connect from 192.0.2.${i % 250} (192.0.2.${i % 250})`;
      const seen = new Promise((resolve) => (waiting = { text, resolve }));
      const t0 = process.hrtime.bigint();
      appendFileSync(path, `${text}\n`);
      const t1 = await seen;
      latencies.push(Number(t1 - t0) / 1e6);
      await new Promise((r) => setTimeout(r, Math.random() * 3));
    }
    await source.stop();
    console.log(
      `latency ${watch ? 'with the directory watcher' : 'polling only (poll_interval_ms 1000)'} over ${n} appends: median ${median(latencies).toFixed(3)} ms, p99 ${pct(latencies, 0.99).toFixed(3)} ms, worst ${Math.max(...latencies).toFixed(3)} ms`,
    );
  }

  // --- checkpoint commits ---
  const store = new CheckpointStore({ directory: join(dir, 'state'), logger: silent });
  await store.load();
  const identity = { dev: 2049, ino: 131077, fingerprint: 'ab'.repeat(32), fingerprintBytes: 1024 };
  const commits = [];
  for (let i = 0; i < 200; i++) {
    const t0 = process.hrtime.bigint();
    await store.commit([
      [log, { kind: 'file', path: log, identity, offset: i * 100 }],
      ['/var/log/syslog', { kind: 'file', path: '/var/log/syslog', identity, offset: i }],
    ]);
    commits.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) await store.commit([]);
  const unchanged = Number(process.hrtime.bigint() - t0) / 1e6 / 1000;
  console.log(
    `checkpoint commit (write, fsync, rename, fsync dir) over 200: median ${median(commits).toFixed(3)} ms, worst ${Math.max(...commits).toFixed(3)} ms; unchanged positions: ${(unchanged * 1000).toFixed(1)} µs`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
