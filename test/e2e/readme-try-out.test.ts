import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { eventually, startDaemon, useE2eLifecycle } from '../helpers/daemon-process.js';

useE2eLifecycle();

/**
 * README's first screen promises a visible result within a minute of cloning. These run its
 * try-out commands as written, from the clone's top directory, and check that every line the
 * README shows is what they really print ("..." stands for lines left out; the command-file
 * timestamps `[N]` are the time of the run).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The output block right after the ```sh block holding `command`. */
function shownOutput(command: string): string[] {
  const at = README.indexOf(command);
  if (at < 0) throw new Error(`README no longer shows ${command}`);
  const open = README.indexOf('```\n', README.indexOf('```', at) + 3);
  const close = README.indexOf('\n```', open + 4);
  return README.slice(open + 4, close)
    .split('\n')
    .filter((line) => line !== '...');
}

/** Every shown line occurs in `actual`, in the same order. */
function expectInOrder(shown: readonly string[], actual: readonly string[]): void {
  let from = 0;
  for (const line of shown) {
    const found = actual.indexOf(line, from);
    expect(
      found,
      `README shows a line the command does not print:\n${line}\nactual:\n${actual.join('\n')}`,
    ).toBeGreaterThanOrEqual(0);
    from = found + 1;
  }
}

const stamp = (line: string) => line.replace(/^\[\d+\] /, '[T] ');

describe('README try-out (first screen)', () => {
  it('npx wrapwatch parse fixtures/sample-auth.log prints what README shows', async () => {
    const shown = shownOutput('npx wrapwatch parse fixtures/sample-auth.log\n');
    expect(shown.length).toBeGreaterThan(3);
    const run = await runCli(['parse', 'fixtures/sample-auth.log'], { cwd: ROOT });
    expect(run.code).toBe(0);
    expectInOrder(shown, [...run.stdout.trimEnd().split('\n'), ...run.stderr.trimEnd().split('\n')]);
  });

  it('npx wrapwatch run --dry-run --config fixtures/try-out.toml prints the results README shows, says DRY RUN, and contacts no receiver', async () => {
    const shown = shownOutput('npx wrapwatch run --dry-run --config fixtures/try-out.toml').map(stamp);
    expect(shown.length).toBeGreaterThan(3);
    const daemon = startDaemon({ configFile: 'fixtures/try-out.toml', dryRun: true, cwd: ROOT });
    await daemon.started();
    const last = shown[shown.length - 1] ?? '';
    await eventually(
      () => (daemon.stdoutLines.map(stamp).includes(last) ? true : undefined),
      20_000,
      () => daemon.stdoutLines.join('\n'),
    );
    expectInOrder(shown, daemon.stdoutLines.map(stamp));
    // "What is sent" shows plugin outputs of the same run: each is one the dry run printed.
    const sentBlock = README.slice(README.indexOf('## What is sent'));
    const outputs = sentBlock
      .slice(sentBlock.indexOf('```\n') + 4, sentBlock.indexOf('\n```', sentBlock.indexOf('```\n') + 4))
      .split('\n');
    expect(outputs.length).toBeGreaterThan(3);
    const printed = daemon.stdoutLines.map((line) =>
      line.replace(/^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;try-out;TCP Wrappers;2;/, ''),
    );
    for (const output of outputs) expect(printed, output).toContain(output);
    const records = daemon.records();
    expect(records.some((r) => r.msg.startsWith('DRY RUN'))).toBe(true);
    const started = records.find((r) => r.msg === 'wrapwatch started');
    expect(started?.fields.receiver).toMatch(/^none \(dry run/);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    const stopped = daemon.records().find((r) => r.msg.startsWith('wrapwatch stopped'));
    expect(stopped?.fields.receiver).toBe('none (dry run)');
    // No silent drops: the sample's one line with a refusal phrase that is no refusal (sshd
    // quoting attacker text) is counted under why, next to the 17 refusals.
    expect(stopped?.fields).toMatchObject({ refusals: 17, notReported: { 'not-a-refusal': 1 } });
    // No line of the log claims a receiver is up: none was contacted.
    expect(daemon.stderrLines.join('\n')).not.toContain('"receiver":"up"');
  });
});
