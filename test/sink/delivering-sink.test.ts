import { describe, expect, it } from 'vitest';
import { DeliveringSink } from '../../src/sink/delivering-sink.js';
import { prepareResult, NSCA_FIELD_LIMITS, type PreparedResult } from '../../src/sink/nsca/fields.js';
import type {
  DeliveryFailure,
  DeliveryHooks,
  DeliveryReport,
  FailureReason,
  Transport,
} from '../../src/sink/transport.js';
import type { Alert, Logger, SinkTarget } from '../../src/types.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

interface LogEntry {
  level: string;
  obj: object;
  msg?: string;
}
function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

const alert = (n: number, over: Partial<Alert> = {}): Alert => ({
  host: 'firestorm',
  service: 'TCP Wrappers',
  status: 2,
  output: `Denied sshd from 10.0.0.${n} | refusals=1 sources=1`,
  refusals: 1,
  sources: 1,
  oldestSeq: n,
  reason: 'first',
  ...over,
});

type Deliver = (batch: readonly PreparedResult[], hooks: DeliveryHooks<PreparedResult>) => Promise<DeliveryReport>;

/** A transport with NSCA's field rules whose deliveries the test scripts. */
function transport(deliver: Deliver, endpoint = 'x:1'): Transport<PreparedResult> & { closed: number } {
  const t = {
    type: 'nsca' as const,
    endpoint,
    limits: NSCA_FIELD_LIMITS,
    closed: 0,
    prepare: (result: Alert) => prepareResult(result),
    describe: (result: Alert) => result.output,
    deliver: (batch: readonly PreparedResult[], hooks?: DeliveryHooks<PreparedResult>) => deliver(batch, hooks ?? {}),
    close: async () => {
      t.closed++;
    },
  };
  return t;
}

const ok = (n: number): DeliveryReport => ({ confirmed: n, refused: [], failure: null });
const failed = (reason: FailureReason, message = `${reason} (test)`): DeliveryReport => ({
  confirmed: 0,
  refused: [],
  failure: { reason, message } satisfies DeliveryFailure,
});

/** A receiver that is down until `up()` and records every delivered batch. */
function receiver() {
  let isUp = false;
  let reject = false;
  const delivered: PreparedResult[] = [];
  const t = transport(async (batch) => {
    if (reject)
      return failed('rejected', 'NSCA receiver x:1 rejected the results: wrong password or encryption method? (test)');
    if (!isUp) return failed('unreachable');
    delivered.push(...batch);
    return ok(batch.length);
  });
  return {
    transport: t,
    delivered,
    up: () => (isUp = true),
    down: () => (isUp = false),
    rejecting: (r: boolean) => (reject = r),
  };
}

const target = (t: Transport<PreparedResult>, maxPending: number, minMs: number, maxMs: number): SinkTarget => ({
  transport: t,
  settings: {
    max_pending_results: maxPending,
    reconnect_min_seconds: minMs / 1000,
    reconnect_max_seconds: maxMs / 1000,
  },
});

const refusalsIn = (results: readonly PreparedResult[]) =>
  results.reduce((sum, r) => sum + Number(/refusals=(\d+)/.exec(r.output.toString())?.[1] ?? 0), 0);

// Every sink here runs on fake time: backoffs, drain deadlines and the scripted transports'
// own waits move only when the test advances the scheduler, so load cannot make them flaky.
describe('DeliveringSink', () => {
  it('holds results through an outage and delivers them all, in order, when the receiver is back', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    const logger = memoryLogger();
    const sink = new DeliveringSink({
      scheduler: time,
      target: target(r.transport, 100, 5, 20),
      logger,
      random: () => 0.5,
    });
    sink.submit([alert(1), alert(2), alert(3)]);
    await time.advance(30);
    expect(sink.stats()).toMatchObject({ receiver: 'down', pending: 3, sent: 0 });
    expect(sink.oldestPendingSeq()).toBe(1);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    r.up();
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(r.delivered.map((p) => p.output.toString())).toEqual([1, 2, 3].map((n) => alert(n).output));
    expect(sink.oldestPendingSeq()).toBeNull();
    expect(logger.entries.some((e) => e.msg?.includes('back'))).toBe(true);
    await sink.close();
  });

  it('tells each change of the receiver, down and back up, once', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    const changes: string[] = [];
    const sink = new DeliveringSink({
      scheduler: time,
      target: target(r.transport, 100, 5, 20),
      logger: memoryLogger(),
      random: () => 0.5,
      onReceiverChange: (receiver) => changes.push(receiver),
    });
    sink.submit([alert(1)]);
    await time.advanceUntil(() => sink.stats().failures >= 3);
    expect(changes).toEqual(['down']);
    r.up();
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    sink.submit([alert(2)]);
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(changes).toEqual(['down', 'up']);
    await sink.close();
  });

  it('past max_pending folds results into a summary that keeps every refusal counted', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    const sink = new DeliveringSink({
      scheduler: time,
      target: target(r.transport, 10, 5, 10),
      logger: memoryLogger(),
    });
    const all = Array.from({ length: 1000 }, (_, i) =>
      alert(i + 1, { refusals: (i % 3) + 1, output: `x | refusals=${(i % 3) + 1} sources=1` }),
    );
    for (const a of all) sink.submit([a]);
    expect(sink.stats()).toMatchObject({ pending: 11, overflowed: 990 });
    expect(sink.oldestPendingSeq()).toBe(1);
    r.up();
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(r.delivered).toHaveLength(11);
    expect(refusalsIn(r.delivered)).toBe(all.reduce((s, a) => s + a.refusals, 0));
    // The ten held first go first; the summary of what came after follows them.
    expect(r.delivered.slice(0, 10).map((p) => p.output.toString())).toEqual(all.slice(0, 10).map((a) => a.output));
    expect(r.delivered[10]?.output.toString()).toMatch(
      /^wrapwatch held back 990 results while the NSCA receiver was unreachable/,
    );
    await sink.close();
  });

  it('logs a rejection as an error naming the likely cause and keeps the results', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    r.up();
    r.rejecting(true);
    const logger = memoryLogger();
    const sink = new DeliveringSink({ scheduler: time, target: target(r.transport, 10, 5, 10), logger });
    sink.submit([alert(7)]);
    await time.advanceUntil(() => logger.entries.some((e) => e.level === 'error'));
    const error = logger.entries.find((e) => e.level === 'error');
    expect(error?.msg).toContain('wrong password or encryption method');
    expect(sink.oldestPendingSeq()).toBe(7);
    r.rejecting(false);
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(r.delivered).toHaveLength(1);
    await sink.close();
  });

  it('reports a receiver that hung up and then stopped answering as unreachable, not as a wrong password', async () => {
    const time = new FakeScheduler();
    // The receiver is stopped while results go out: one hang-up, then nothing listens, then it is back.
    const script: ('hang-up' | 'refused' | 'ok')[] = ['hang-up', 'refused', 'refused', 'ok'];
    const delivered: PreparedResult[] = [];
    const t = transport(async (batch) => {
      const step = script.shift() ?? 'ok';
      if (step === 'hang-up') return failed('hung-up', 'it closed the connection');
      if (step === 'refused') return failed('unreachable', 'ECONNREFUSED');
      delivered.push(...batch);
      return ok(batch.length);
    });
    const logger = memoryLogger();
    const sink = new DeliveringSink({ scheduler: time, target: target(t, 10, 5, 10), logger });
    sink.submit([alert(8)]);
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(delivered).toHaveLength(1);
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual([
      'NSCA receiver hung up on the results (stopped, restarted, or rejecting them); holding results and retrying',
      'NSCA receiver unreachable; holding results and retrying',
    ]);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(logger.entries.find((e) => e.msg?.includes('back'))?.obj).toMatchObject({
      heldResults: 1,
      foldedResults: 0,
    });
    await sink.close();
  });

  it('drops (and logs) a result that breaks the NSCA field rules instead of retrying it forever', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    r.up();
    const logger = memoryLogger();
    const sink = new DeliveringSink({ scheduler: time, target: target(r.transport, 10, 5, 10), logger });
    sink.submit([alert(1, { host: 'evil;host' }), alert(2)]);
    expect(await time.settleWithin(sink.drain(1000))).toBe(true);
    expect(r.delivered).toHaveLength(1);
    expect(sink.stats().invalid).toBe(1);
    expect(logger.entries.find((e) => e.level === 'error')?.msg).toContain('field rules');
    await sink.close();
  });

  it('gives up draining at the deadline when the receiver stays away', async () => {
    const time = new FakeScheduler();
    const r = receiver();
    const sink = new DeliveringSink({
      scheduler: time,
      target: target(r.transport, 10, 5, 10),
      logger: memoryLogger(),
    });
    sink.submit([alert(1)]);
    const started = time.now();
    expect(await time.settleWithin(sink.drain(300))).toBe(false);
    expect(time.now() - started).toBe(300);
    expect(sink.oldestPendingSeq()).toBe(1);
    await sink.close();
  });

  it('starts the next delivery while the previous one only waits for a rejection, never two writing at once', async () => {
    const time = new FakeScheduler();
    const events: string[] = [];
    let writing = 0;
    let maxWriting = 0;
    let connections = 0;
    let maxConnections = 0;
    const lingerMs = 150;
    const t = transport(async (batch, hooks) => {
      connections++;
      maxConnections = Math.max(maxConnections, connections);
      writing++;
      maxWriting = Math.max(maxWriting, writing);
      events.push(`write ${batch.map((p) => p.output.toString()).join(',')}`);
      await time.sleep(5);
      writing--;
      hooks.onWritten?.();
      await time.sleep(lingerMs);
      connections--;
      return ok(batch.length);
    });
    const sink = new DeliveringSink({ scheduler: time, target: target(t, 100, 5, 10), logger: memoryLogger() });
    sink.submit([alert(1)]);
    await time.advance(20);
    sink.submit([alert(2)]);
    await time.advance(20);
    // The second result went out while the first delivery still lingers (until 155 ms).
    expect(events).toHaveLength(2);
    expect(connections).toBe(2);
    expect(sink.oldestPendingSeq()).toBe(1);
    for (let n = 3; n <= 40; n++) sink.submit([alert(n)]);
    expect(await time.settleWithin(sink.drain(5000))).toBe(true);
    expect(maxWriting).toBe(1);
    expect(maxConnections).toBeLessThanOrEqual(2);
    const order = events.flatMap((e) => e.slice(6).split(',')).map((o) => Number(/10\.0\.0\.(\d+)/.exec(o)?.[1]));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await sink.close();
  });

  it('never counts an unconfirmed result as sent: it stays pending and uncommitted, one warning per outage', async () => {
    const time = new FakeScheduler();
    let confirming = false;
    const delivered: PreparedResult[] = [];
    const t = transport(async (batch) => {
      if (!confirming)
        return failed(
          'unconfirmed',
          `NSCA receiver took ${batch.length} results but did not confirm reading them within 1 s: overloaded or wedged?`,
        );
      delivered.push(...batch);
      return ok(batch.length);
    });
    const logger = memoryLogger();
    const sink = new DeliveringSink({ scheduler: time, target: target(t, 100, 5, 10), logger });
    sink.submit([alert(1), alert(2)]);
    await time.advanceUntil(() => sink.stats().failures >= 4);
    expect(sink.stats()).toMatchObject({
      receiver: 'down',
      sent: 0,
      pending: 2,
      failuresByReason: { unconfirmed: sink.stats().failures },
    });
    expect(sink.oldestPendingSeq()).toBe(1);
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings.map((e) => e.msg)).toEqual([
      'NSCA receiver took 2 results but did not confirm reading them within 1 s: overloaded or wedged?',
    ]);
    expect(warnings[0]?.obj).toMatchObject({ kind: 'unconfirmed', heldResults: 2 });
    confirming = true;
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(sink.stats()).toMatchObject({ receiver: 'up', sent: 2, pending: 0 });
    expect(delivered).toHaveLength(2);
    // A new outage is warned about again.
    confirming = false;
    sink.submit([alert(3)]);
    await time.advanceUntil(() => logger.entries.filter((e) => e.level === 'warn').length === 2);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
    await sink.close();
  });

  it('counts only the confirmed front of a batch; refused results are dropped and counted, the rest retried', async () => {
    const time = new FakeScheduler();
    const seen: string[][] = [];
    const t = transport(async (batch) => {
      seen.push(batch.map((p) => p.output.toString()));
      if (seen.length === 1)
        return {
          confirmed: 2,
          refused: [{ index: 1, reason: 'unknown-object', message: 'no such service' }],
          failure: { reason: 'server-error', message: 'Icinga 2 answered 500 (test)' },
        };
      return ok(batch.length);
    });
    const logger = memoryLogger();
    const sink = new DeliveringSink({ scheduler: time, target: target(t, 100, 5, 10), logger });
    sink.submit([alert(1), alert(2), alert(3)]);
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(seen[1]).toEqual([alert(3).output]);
    expect(sink.stats()).toMatchObject({ sent: 2, refused: 1, failuresByReason: { 'server-error': 1 } });
    expect(logger.entries.find((e) => e.msg?.includes('refused a result for good'))?.obj).toMatchObject({
      reason: 'unknown-object',
      problem: 'no such service',
    });
    await sink.close();
  });

  it('catches, logs and releases a transport that throws: no unhandled rejection, nothing lost', async () => {
    const time = new FakeScheduler();
    let calls = 0;
    const t = transport(async (batch) => {
      calls++;
      if (calls === 1) throw new TypeError('a bug in the transport');
      return ok(batch.length);
    });
    const logger = memoryLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const sink = new DeliveringSink({ scheduler: time, target: target(t, 100, 5, 10), logger });
      sink.submit([alert(1)]);
      expect(await time.settleWithin(sink.drain(2000))).toBe(true);
      expect(sink.stats()).toMatchObject({ sent: 1, failures: 1, failuresByReason: { unconfirmed: 1 } });
      expect(logger.entries.find((e) => e.level === 'error')?.obj).toMatchObject({ error: 'a bug in the transport' });
      await sink.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('a retarget to another transport prepares the held results for it and closes the old one', async () => {
    const time = new FakeScheduler();
    const old = receiver();
    const next = receiver();
    next.up();
    const sink = new DeliveringSink({
      scheduler: time,
      target: target(old.transport, 100, 5, 10),
      logger: memoryLogger(),
    });
    sink.submit([alert(1), alert(2)]);
    await time.advanceUntil(() => sink.stats().failures > 0);
    sink.retarget(target(next.transport, 100, 5, 10));
    expect(await time.settleWithin(sink.drain(2000))).toBe(true);
    expect(next.delivered.map((p) => p.output.toString())).toEqual([alert(1).output, alert(2).output]);
    expect(old.delivered).toEqual([]);
    await time.advanceUntil(() => old.transport.closed > 0);
    expect(old.transport.closed).toBe(1);
    await sink.close();
    expect(next.transport.closed).toBe(1);
  });

  it('close() ends a delivery waiting for its proof; its results stay pending', async () => {
    const time = new FakeScheduler();
    let release: (report: DeliveryReport) => void = () => undefined;
    const t = transport(() => new Promise<DeliveryReport>((resolve) => (release = resolve)));
    t.close = async () => {
      t.closed++;
      release(failed('unconfirmed', 'stopped at shutdown'));
    };
    const sink = new DeliveringSink({ scheduler: time, target: target(t, 100, 5, 10), logger: memoryLogger() });
    sink.submit([alert(5)]);
    await time.advance(10);
    await sink.close();
    expect(t.closed).toBe(1);
    expect(sink.stats().sent).toBe(0);
    expect(sink.oldestPendingSeq()).toBe(5);
  });
});
