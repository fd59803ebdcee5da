import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, type LogFormat } from '../../src/log/logger.js';

function capture(format: LogFormat, level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level, format, destination: destination }), lines };
}

describe('the daemon log', () => {
  it('under systemd prefixes each JSON line with its syslog priority for journald', async () => {
    const { logger, lines } = capture('journal', 'debug');
    logger.debug('d');
    logger.info({ results: 3 }, 'sent');
    logger.warn('receiver away');
    logger.error('rejected');
    logger.fatal('dead');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['<7>', '<6>', '<4>', '<3>', '<2>']);
    expect(JSON.parse(lines[1]!.slice(3))).toMatchObject({ level: 30, msg: 'sent', results: 3 });
  });

  it('keeps attacker text inside a JSON string, even on a terminal', async () => {
    const hostile = 'evil\n{"level":60,"msg":"forged"}\u001b[2J';
    for (const format of ['json', 'journal', 'pretty'] as const) {
      const { logger, lines } = capture(format);
      logger.warn({ client: hostile }, 'refused');
      await new Promise((r) => setImmediate(r));
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('\u001b');
      expect(lines[0]).toContain('evil\\n{\\"level\\":60');
    }
  });

  it('prints readable lines on a terminal', async () => {
    const { logger, lines } = capture('pretty');
    logger.info({ results: 3, receiver: '127.0.0.1:5667' }, 'results sent');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}results sent {2}results=3 receiver="127\.0\.0\.1:5667"$/);
  });

  it('chooses the journal format under systemd, pretty on a terminal, JSON otherwise', () => {
    expect(chooseLogFormat({ JOURNAL_STREAM: '8:1234' }, true)).toBe('journal');
    expect(chooseLogFormat({}, true)).toBe('pretty');
    expect(chooseLogFormat({}, false)).toBe('json');
  });
});
