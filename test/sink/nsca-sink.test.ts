import { describe, expect, it } from 'vitest';
import { NscaSink, type SendBatch } from '../../src/sink/nsca-sink.js';
import { NscaConnectionRefusedError, NscaRejectedError } from '../../src/sink/nsca/errors.js';
import type { PreparedResult } from '../../src/sink/nsca/fields.js';
import type { Alert, Logger, ReceiverSettings } from '../../src/types.js';

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

/** A receiver that is down until `up()` and records every delivered batch. */
function receiver() {
  let isUp = false;
  let reject = false;
  const delivered: PreparedResult[] = [];
  const send: SendBatch = async (batch) => {
    if (reject) throw new NscaRejectedError({ endpoint: 'x:1', written: batch.length, total: batch.length }, 'it closed the connection');
    if (!isUp) throw new NscaConnectionRefusedError({ endpoint: 'x:1', written: 0, total: batch.length }, new Error('ECONNREFUSED'));
    delivered.push(...batch);
    return { sent: batch.length, truncated: 0, serverTime: 0, drained: true };
  };
  return { send, delivered, up: () => (isUp = true), down: () => (isUp = false), rejecting: (r: boolean) => (reject = r) };
}

const receiverSettings = (maxPending: number, minMs: number, maxMs: number): ReceiverSettings => ({
  host: '127.0.0.1', port: 1, encryption: 1, password: '', timeout_seconds: 1, linger_ms: 0,
  max_pending_results: maxPending, reconnect_min_seconds: minMs / 1000, reconnect_max_seconds: maxMs / 1000,
});

const refusalsIn = (results: readonly PreparedResult[]) =>
  results.reduce((sum, r) => sum + Number(/refusals=(\d+)/.exec(r.output.toString())?.[1] ?? 0), 0);

describe('NscaSink', () => {
  it('holds results through an outage and delivers them all, in order, when the receiver is back', async () => {
    const r = receiver();
    const logger = memoryLogger();
    const sink = new NscaSink({ sender: () => r.send, receiver: receiverSettings(100, 5, 20), logger, random: () => 0.5 });
    sink.submit([alert(1), alert(2), alert(3)]);
    await new Promise((res) => setTimeout(res, 30));
    expect(sink.stats()).toMatchObject({ receiver: 'down', pending: 3, sent: 0 });
    expect(sink.oldestPendingSeq()).toBe(1);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    r.up();
    expect(await sink.drain(2000)).toBe(true);
    expect(r.delivered.map((p) => p.output.toString())).toEqual([1, 2, 3].map((n) => alert(n).output));
    expect(sink.oldestPendingSeq()).toBeNull();
    expect(logger.entries.some((e) => e.msg?.includes('back'))).toBe(true);
    await sink.close();
  });

  it('past max_pending folds results into a summary that keeps every refusal counted', async () => {
    const r = receiver();
    const sink = new NscaSink({ sender: () => r.send, receiver: receiverSettings(10, 5, 10), logger: memoryLogger() });
    const all = Array.from({ length: 1000 }, (_, i) => alert(i + 1, { refusals: (i % 3) + 1, output: `x | refusals=${(i % 3) + 1} sources=1` }));
    for (const a of all) sink.submit([a]);
    expect(sink.stats()).toMatchObject({ pending: 11, overflowed: 990 });
    expect(sink.oldestPendingSeq()).toBe(1);
    r.up();
    expect(await sink.drain(2000)).toBe(true);
    expect(r.delivered).toHaveLength(11);
    expect(refusalsIn(r.delivered)).toBe(all.reduce((s, a) => s + a.refusals, 0));
    // The ten held first go first; the summary of what came after follows them.
    expect(r.delivered.slice(0, 10).map((p) => p.output.toString())).toEqual(all.slice(0, 10).map((a) => a.output));
    expect(r.delivered[10]?.output.toString()).toMatch(/^wrapwatch held back 990 results while the NSCA receiver was unreachable/);
    await sink.close();
  });

  it('logs a rejection as an error naming the likely cause and keeps the results', async () => {
    const r = receiver();
    r.up();
    r.rejecting(true);
    const logger = memoryLogger();
    const sink = new NscaSink({ sender: () => r.send, receiver: receiverSettings(10, 5, 10), logger });
    sink.submit([alert(7)]);
    // The first hang-up could be a receiver going away; the second in a row is a rejection.
    const deadline = Date.now() + 2000;
    while (!logger.entries.some((e) => e.level === 'error') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    const error = logger.entries.find((e) => e.level === 'error');
    expect(error?.msg).toContain('wrong password or encryption method');
    expect(sink.oldestPendingSeq()).toBe(7);
    r.rejecting(false);
    expect(await sink.drain(2000)).toBe(true);
    expect(r.delivered).toHaveLength(1);
    await sink.close();
  });

  it('reports a receiver that hung up and then stopped answering as unreachable, not as a wrong password', async () => {
    // The receiver is stopped while results go out: one hang-up, then nothing listens, then it is back.
    const script: ('hang-up' | 'refused' | 'ok')[] = ['hang-up', 'refused', 'refused', 'ok'];
    const delivered: PreparedResult[] = [];
    const send: SendBatch = async (batch) => {
      const step = script.shift() ?? 'ok';
      const progress = { endpoint: 'x:1', written: step === 'refused' ? 0 : batch.length, total: batch.length };
      if (step === 'hang-up') throw new NscaRejectedError(progress, 'it closed the connection');
      if (step === 'refused') throw new NscaConnectionRefusedError(progress, new Error('ECONNREFUSED'));
      delivered.push(...batch);
      return { sent: batch.length, truncated: 0, serverTime: 0, drained: true };
    };
    const logger = memoryLogger();
    const sink = new NscaSink({ sender: () => send, receiver: receiverSettings(10, 5, 10), logger });
    sink.submit([alert(8)]);
    expect(await sink.drain(2000)).toBe(true);
    expect(delivered).toHaveLength(1);
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual([
      'NSCA receiver hung up on the results (stopped, restarted, or rejecting them); holding results and retrying',
      'NSCA receiver unreachable; holding results and retrying',
    ]);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(logger.entries.find((e) => e.msg?.includes('back'))?.obj).toMatchObject({ heldResults: 1, foldedResults: 0 });
    await sink.close();
  });

  it('drops (and logs) a result that breaks the NSCA field rules instead of retrying it forever', async () => {
    const r = receiver();
    r.up();
    const logger = memoryLogger();
    const sink = new NscaSink({ sender: () => r.send, receiver: receiverSettings(10, 5, 10), logger });
    sink.submit([alert(1, { host: 'evil;host' }), alert(2)]);
    expect(await sink.drain(1000)).toBe(true);
    expect(r.delivered).toHaveLength(1);
    expect(sink.stats().invalid).toBe(1);
    expect(logger.entries.find((e) => e.level === 'error')?.msg).toContain('field rules');
    await sink.close();
  });

  it('gives up draining at the deadline when the receiver stays away', async () => {
    const r = receiver();
    const sink = new NscaSink({ sender: () => r.send, receiver: receiverSettings(10, 5, 10), logger: memoryLogger() });
    sink.submit([alert(1)]);
    const started = Date.now();
    expect(await sink.drain(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sink.oldestPendingSeq()).toBe(1);
    await sink.close();
  });

  it('starts the next delivery while the previous one only waits for a rejection, never two writing at once', async () => {
    const events: string[] = [];
    let writing = 0;
    let maxWriting = 0;
    let connections = 0;
    let maxConnections = 0;
    const lingerMs = 150;
    const send: SendBatch = async (batch, hooks) => {
      connections++;
      maxConnections = Math.max(maxConnections, connections);
      writing++;
      maxWriting = Math.max(maxWriting, writing);
      events.push(`write ${batch.map((p) => p.output.toString()).join(',')}`);
      await new Promise((res) => setTimeout(res, 5));
      writing--;
      hooks?.onWritten();
      await new Promise((res) => setTimeout(res, lingerMs));
      connections--;
      return { sent: batch.length, truncated: 0, serverTime: 0, drained: true };
    };
    const sink = new NscaSink({ sender: () => send, receiver: receiverSettings(100, 5, 10), logger: memoryLogger() });
    const started = Date.now();
    sink.submit([alert(1)]);
    await new Promise((res) => setTimeout(res, 20));
    sink.submit([alert(2)]);
    await new Promise((res) => setTimeout(res, 20));
    // The second result went out long before the first delivery's linger ended.
    expect(events).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(lingerMs);
    expect(sink.oldestPendingSeq()).toBe(1);
    for (let n = 3; n <= 40; n++) sink.submit([alert(n)]);
    expect(await sink.drain(5000)).toBe(true);
    expect(maxWriting).toBe(1);
    expect(maxConnections).toBeLessThanOrEqual(2);
    const order = events.flatMap((e) => e.slice(6).split(',')).map((o) => Number(/10\.0\.0\.(\d+)/.exec(o)?.[1]));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await sink.close();
  });
});
