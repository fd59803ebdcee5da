import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('wrapwatch log-pretty (the built CLI as a process)', () => {
  it('prints pino JSON lines readably with the date, strips a <N> priority, and keeps attacker text escaped', async () => {
    const input = [
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 10, 30, 1, 2, 3, 456),
        msg: 'NSCA receiver unreachable',
        receiver: '127.0.0.1:5667',
        heldResults: 3,
      }),
      `<6>${JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 30, 1, 2, 4), msg: 'refusal', client: 'evil\u001b[2J\nINFO  forged line', count: 1 })}`,
      'not json \u001b[31m red',
      '',
    ].join('\n');
    const run = await runCli(['log-pretty'], { stdin: input });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toEqual([
      '2026-11-30T01:02:03.456Z WARN  NSCA receiver unreachable  receiver="127.0.0.1:5667" heldResults=3',
      '2026-11-30T01:02:04.000Z INFO  refusal  client="evil\\u001b[2J\\nINFO  forged line" count=1',
      'not json \\u001b[31m red',
      '',
    ]);
    expect(run.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });
});
