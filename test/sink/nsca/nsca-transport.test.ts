import { describe, expect, it } from 'vitest';
import {
  NscaClosedEarlyError,
  NscaConnectionRefusedError,
  NscaRejectedError,
  NscaTimeoutError,
  NscaUnconfirmedError,
  type NscaDeliveryError,
} from '../../../src/sink/nsca/errors.js';
import { NscaTransport, type NscaSend } from '../../../src/sink/nsca/nsca-transport.js';
import type { FailureReason } from '../../../src/sink/transport.js';

const settings = { host: '127.0.0.1', port: 5667, encryption: 1, password: 'pw', timeout_seconds: 2, linger_ms: 100 };
const progress = { endpoint: '127.0.0.1:5667', written: 4, total: 4 };

/** A transport whose sends fail (or work) as scripted, one step per delivery. */
function scripted(steps: (NscaDeliveryError | 'ok')[]): NscaTransport {
  const send: NscaSend = async (batch) => {
    const step = steps.shift() ?? 'ok';
    if (step !== 'ok') throw step;
    return { sent: batch.length, truncated: 0, serverTime: 0, greetingRttMs: 0.3 };
  };
  return new NscaTransport(settings, send);
}

async function reasons(transport: NscaTransport, n: number): Promise<(FailureReason | 'confirmed')[]> {
  const out: (FailureReason | 'confirmed')[] = [];
  const batch = [transport.prepare({ host: 'h', service: 's', status: 2, output: 'x' })];
  for (let i = 0; i < n; i++) {
    const report = await transport.deliver(batch);
    out.push(report.failure?.reason ?? (report.confirmed === 1 ? 'confirmed' : 'unconfirmed'));
  }
  return out;
}

describe('NscaTransport', () => {
  it('reports a hang-up as such the first time, and a second hang-up in a row as a rejection (wrong password or method)', async () => {
    const hangUp = () => new NscaRejectedError(progress, 'it closed the connection');
    const t = scripted([
      hangUp(),
      new NscaClosedEarlyError('sending', progress, 'EPIPE'),
      hangUp(),
      new NscaConnectionRefusedError(progress),
      hangUp(),
      'ok',
      hangUp(),
    ]);
    expect(await reasons(t, 7)).toEqual([
      'hung-up',
      'rejected',
      'rejected',
      'unreachable',
      'hung-up',
      'confirmed',
      'hung-up',
    ]);
  });

  it('says what a rejection most likely is', async () => {
    const t = scripted([new NscaRejectedError(progress, 'x'), new NscaRejectedError(progress, 'x')]);
    await t.deliver([]);
    const report = await t.deliver([]);
    expect(report.failure?.message).toMatch(
      /^NSCA receiver 127\.0\.0\.1:5667 rejected the results: wrong password or encryption method\?/,
    );
  });

  it('results taken but not confirmed (no close, or writes stuck) are unconfirmed, with the count and the timeout', async () => {
    const t = scripted([
      new NscaUnconfirmedError(progress, 2000),
      new NscaTimeoutError('write', 2000, { ...progress, written: 250, total: 500 }),
      new NscaTimeoutError('greeting', 2000, progress),
    ]);
    const batch = [t.prepare({ host: 'h', service: 's', status: 2, output: 'x' })];
    const first = await t.deliver(batch);
    const second = await t.deliver(batch);
    const third = await t.deliver(batch);
    expect(first.failure).toMatchObject({
      reason: 'unconfirmed',
      message: 'NSCA receiver took 4 results but did not confirm reading them within 2 s: overloaded or wedged?',
    });
    expect(second.failure).toMatchObject({
      reason: 'unconfirmed',
      message: 'NSCA receiver took 250 results but did not confirm reading them within 2 s: overloaded or wedged?',
    });
    expect(third.failure?.reason).toBe('unreachable');
    expect([first, second, third].map((r) => r.confirmed)).toEqual([0, 0, 0]);
  });

  it('a bug (not a delivery error) is thrown for the sink to catch and log', async () => {
    const t = new NscaTransport(settings, async () => {
      throw new TypeError('boom');
    });
    await expect(t.deliver([])).rejects.toThrow('boom');
  });
});

describe('NscaTransport, deliveries at once', () => {
  it('a receiver stopped while it holds two connections hangs up on both: that is not a rejection', async () => {
    const pending: ((err: NscaDeliveryError | 'ok') => void)[] = [];
    const t = new NscaTransport(
      settings,
      (batch) =>
        new Promise((resolve, reject) => {
          pending.push((step) => {
            if (step === 'ok') resolve({ sent: batch.length, truncated: 0, serverTime: 0, greetingRttMs: 0.3 });
            else reject(step);
          });
        }),
    );
    const batch = [t.prepare({ host: 'h', service: 's', status: 2, output: 'x' })];
    const first = t.deliver(batch);
    const second = t.deliver(batch);
    pending[0]?.(new NscaRejectedError(progress, 'it closed the connection'));
    pending[1]?.(new NscaClosedEarlyError('sending', progress, 'ECONNRESET'));
    expect([(await first).failure?.reason, (await second).failure?.reason]).toEqual(['hung-up', 'hung-up']);
    // A connection started after those hang-ups that is hung up on too: now it is a rejection.
    const third = t.deliver(batch);
    pending[2]?.(new NscaRejectedError(progress, 'it closed the connection'));
    expect((await third).failure?.reason).toBe('rejected');
  });
});
