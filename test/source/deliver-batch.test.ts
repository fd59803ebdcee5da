import { describe, expect, it } from 'vitest';
import { offerUntilTaken } from '../../src/source/deliver-batch.js';
import type { Logger, SourceLine } from '../../src/types.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

const batch: SourceLine[] = [
  {
    sourceId: '/var/log/auth.log',
    seq: 7,
    text: 'x',
    position: {
      kind: 'file',
      path: '/var/log/auth.log',
      identity: { dev: 1, ino: 2, fingerprint: '', fingerprintBytes: 0 },
      offset: 2,
    },
  },
];

function errorsLogged(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const none = () => undefined;
  return { errors, error: (_o, msg) => void errors.push(msg ?? ''), warn: none, info: none, debug: none };
}

describe('offerUntilTaken', () => {
  it('offers the same batch after each failure, one pause apart, until the handler takes it', async () => {
    const time = new FakeScheduler(0);
    const logger = errorsLogged();
    const offered: { seq: number; at: number }[] = [];
    let failures = 2;
    const taken = offerUntilTaken(batch, {
      source: '/var/log/auth.log',
      logger,
      noun: 'line(s)',
      stopping: () => false,
      pause: () => time.sleep(1_000),
      onLines: (lines) => {
        offered.push({ seq: lines[0]?.seq ?? -1, at: time.now() });
        return failures-- > 0 ? Promise.reject(new Error('handler down')) : Promise.resolve();
      },
    });
    await time.advance(2_000);
    await expect(taken).resolves.toBe(true);
    expect(offered).toEqual([
      { seq: 7, at: 0 },
      { seq: 7, at: 1_000 },
      { seq: 7, at: 2_000 },
    ]);
    expect(logger.errors).toEqual([
      'the line handler failed; offering the same 1 line(s) again',
      'the line handler failed; offering the same 1 line(s) again',
    ]);
  });

  it('gives up without logging once the source is stopping', async () => {
    let stopping = false;
    const logger = errorsLogged();
    const taken = await offerUntilTaken(batch, {
      source: 'journal',
      logger,
      noun: 'entries',
      stopping: () => stopping,
      pause: () => Promise.resolve(),
      onLines: () => {
        stopping = true;
        return Promise.reject(new Error('stopped under it'));
      },
    });
    expect(taken).toBe(false);
    expect(logger.errors).toEqual([]);
  });
});
