import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../src/status/notify.js';
import { resolveStatusFile } from '../../src/status/service-status.js';
import type { StatusDocument } from '../../src/status/status-document.js';
import { StatusReporter } from '../../src/status/status-reporter.js';
import { realScheduler } from '../../src/time/scheduler.js';
import type { Logger, SinkStats } from '../../src/types.js';
import { snapshot, T0 } from './fixtures.js';

const quiet: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'wrapwatch-reporter-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('resolveStatusFile', () => {
  it('the configured path, else status.json in $RUNTIME_DIRECTORY, else none (outside systemd)', () => {
    expect(resolveStatusFile('/var/tmp/ww.json', { RUNTIME_DIRECTORY: '/run/wrapwatch' })).toBe('/var/tmp/ww.json');
    expect(resolveStatusFile('', { RUNTIME_DIRECTORY: '/run/wrapwatch:/run/other' })).toBe(
      '/run/wrapwatch/status.json',
    );
    expect(resolveStatusFile('', {})).toBeNull();
  });
});

describe('StatusReporter with an injected clock', () => {
  it('writes the state, counts refusals over recent minutes, and times a receiver that does not report its own', async () => {
    let now = T0;
    let refusals = 0;
    // A sink without its own times (optional SinkStats fields left out).
    let sink: SinkStats = {
      receiver: 'unknown',
      pending: 0,
      sent: 0,
      overflowed: 0,
      invalid: 0,
      failures: 0,
      failuresByReason: {},
      refused: 0,
    };
    const sent: string[][] = [];
    const notifier = new SystemdNotifier(
      { socket: '/s', watchdogIntervalMs: null },
      quiet,
      async (a) => void sent.push([...a]),
    );
    const file = join(dir, 'status.json');
    const reporter = new StatusReporter({
      file,
      intervalMs: 5000,
      notifier,
      snapshot: () => snapshot({ sink, counters: { refusals } }),
      version: '1.2.3',
      configFile: '/etc/wrapwatch/wrapwatch.toml',
      logger: quiet,
      scheduler: { ...realScheduler, now: () => now },
      pid: 99,
      sizeOf: () => 4096,
    });
    const read = async () => JSON.parse(await readFile(file, 'utf8')) as StatusDocument;

    reporter.setState('running');
    reporter.update();
    expect(await read()).toMatchObject({
      pid: 99,
      version: '1.2.3',
      state: 'running',
      receiver: { state: 'unknown', since: new Date(T0).toISOString(), lastDeliveryAt: null },
    });

    // Refusals arrive over ten minutes while results are delivered.
    for (let minute = 1; minute <= 10; minute++) {
      now = T0 + minute * 60_000;
      refusals += 5;
      sink = { ...sink, receiver: 'up', sent: sink.sent + 1 };
      reporter.update();
    }
    const doc = await read();
    expect(doc.recent.refusals).toEqual({ m1: 5, m5: 25, m15: 50 });
    expect(doc.recent.results).toEqual({ m1: 1, m5: 5, m15: 10 });
    expect(doc.receiver).toMatchObject({
      state: 'up',
      since: new Date(T0 + 60_000).toISOString(),
      lastDeliveryAt: new Date(T0 + 600_000).toISOString(),
    });

    // The receiver goes down: since when is the first look that saw it.
    now += 5000;
    sink = { ...sink, receiver: 'down', pending: 3 };
    reporter.update();
    expect((await read()).receiver).toMatchObject({ state: 'down', since: new Date(now).toISOString() });
    await notifier.flush(1000);
    expect(sent.map((m) => m.join(' ')).at(-1)).toBe(
      'STATUS=following 1 log, 0 B behind; receiver down for under a minute; 3 pending; 25 refusals in the last 5 min',
    );
  });

  it('a status file it cannot write is logged once, and the daemon goes on', () => {
    const warnings: string[] = [];
    const reporter = new StatusReporter({
      file: join(dir, 'missing-dir', 'status.json'),
      intervalMs: 5000,
      notifier: null,
      snapshot: () => snapshot(),
      version: '1',
      configFile: 'c',
      logger: { ...quiet, warn: (_o, m) => warnings.push(m ?? '') },
      scheduler: { ...realScheduler, now: () => T0 },
    });
    reporter.update();
    reporter.update();
    expect(warnings).toEqual([
      'cannot write the status file; `wrapwatch status` and `check` will call the daemon stale',
    ]);
  });
});
