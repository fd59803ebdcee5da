import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built-dist.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  assertBuilt(['cli', 'status']);
  dir = await mkdtemp(join(tmpdir(), 'wrapwatch-check-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wrapwatch check: what does not need a daemon', () => {
  it.each([
    [['-w', 'speed=10'], /^WRAPWATCH UNKNOWN - bad threshold: "speed=10": say which measure the range is for/],
    [
      ['-c', 'down=5:1'],
      /^WRAPWATCH UNKNOWN - bad threshold: "5:1" is not a threshold range: its start 5 is above its end 1/,
    ],
    [['--bogus'], /^WRAPWATCH UNKNOWN - bad arguments: Unknown option '--bogus'/],
  ])('UNKNOWN (3) for bad arguments %j', async (args, line) => {
    const run = await runCli(['check', '-f', join(dir, 'none.json'), ...args]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(line);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('-V prints the version (exit 3, as the Monitoring Plugins do)', async () => {
    const run = await runCli(['check', '-V']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^wrapwatch check \d+\.\d+\.\d+\S*\n$/);
  });

  it('CRITICAL (2) with no status file: not running', async () => {
    const run = await runCli(['check', '-f', join(dir, 'none.json')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe(
      `WRAPWATCH CRITICAL - wrapwatch is not running: no status file at ${join(dir, 'none.json')}\n`,
    );
  });

  it('UNKNOWN (3) for a file that is not a status file', async () => {
    const file = join(dir, 'garbage.json');
    await writeFile(file, '{"format":1}');
    const run = await runCli(['check', '-f', file]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^WRAPWATCH UNKNOWN - .*garbage\.json: field /);
  });

  it('the status file named by --config [state] status_file', async () => {
    const config = join(dir, 'c.toml');
    await writeFile(config, `[state]\nstatus_file = "${join(dir, 'elsewhere.json')}"\n`);
    const run = await runCli(['check', '--config', config]);
    expect(run.stdout).toContain(`no status file at ${join(dir, 'elsewhere.json')}`);
    const status = await runCli(['status', '--config', config]);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(`wrapwatch is not running: no status file at ${join(dir, 'elsewhere.json')}`);
  });
});
