import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const makeTempDir = tempDirs();

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('wrapwatch-check-');
});

describe('wrapwatch check-config (the built CLI as a process)', () => {
  it('prints the effective config with the password redacted and exits 0', async () => {
    const file = join(dir, 'good.toml');
    await writeFile(file, '[nsca]\npassword = "hunter2"\nencryption = 3\n[throttle]\nwindow_seconds = 120\n');
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('configuration is valid');
    expect(run.stdout).toMatch(/window_seconds = 120/);
    expect(run.stdout).toMatch(/max_results_per_minute = 30/);
    expect(run.stdout).toContain('# [nsca] password is set in the file and left out here (redacted)');
    expect(run.stdout).not.toContain('hunter2');
  });

  it('prints an effective config that loads back to the same effective config', async () => {
    const pw = join(dir, 'nsca.password');
    await writeFile(pw, 'pw\n', { mode: 0o600 });
    const file = join(dir, 'roundtrip.toml');
    await writeFile(
      file,
      `[source]\npath = ["/var/log/auth.log", "/var/log/syslog"]\ntimezone = "UTC"\n[nsca]\npassword_file = "${pw}"\n[[rule]]\ndaemons = "sshd"\nclients = "10.0.0.0/8"\nignore = true\n`,
    );
    const first = await runCli(['check-config', '--config', file]);
    expect(first.code, first.stderr).toBe(0);
    const printed = join(dir, 'printed.toml');
    await writeFile(printed, first.stdout);
    const second = await runCli(['check-config', '--config', printed]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.replace(printed, 'FILE')).toBe(first.stdout.replace(file, 'FILE'));
    expect(first.stdout).toMatch(/^path = \[ "\/var\/log\/auth\.log", "\/var\/log\/syslog" \]$/m);
    // The shipped config loads back too (its host name default is spelled out).
    const shipped = await runCli([
      'check-config',
      '--config',
      new URL('../../config/wrapwatch.toml', import.meta.url).pathname,
    ]);
    const shippedPrinted = join(dir, 'shipped-printed.toml');
    await writeFile(shippedPrinted, shipped.stdout);
    expect((await runCli(['check-config', '--config', shippedPrinted])).code).toBe(0);
  });

  it('refuses what run refuses: a credential outside systemd says it needs CREDENTIALS_DIRECTORY, and reads it when given', async () => {
    const file = join(dir, 'cred.toml');
    await writeFile(file, '[nsca]\npassword_credential = "nsca.password"\n');
    const env = { ...process.env };
    delete env.CREDENTIALS_DIRECTORY;
    const outside = await runCli(['check-config', '--config', file], { env });
    expect(outside.code).toBe(78);
    expect(outside.stderr).toMatch(
      /nsca\.password_credential: the credential "nsca\.password" is read from \$CREDENTIALS_DIRECTORY, which systemd sets for the service/,
    );
    const run = await runCli(['run', '--config', file, '--dry-run'], { env });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(
      'nsca.password_credential: the credential "nsca.password" is read from $CREDENTIALS_DIRECTORY',
    );
    await writeFile(join(dir, 'nsca.password'), 'pw\n', { mode: 0o600 });
    const inside = await runCli(['check-config', '--config', file], { env: { ...env, CREDENTIALS_DIRECTORY: dir } });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toContain('password_credential = "nsca.password"');
  });

  it('refuses CAST-128 where this Node.js has no legacy provider, as run does', async () => {
    const file = join(dir, 'cast.toml');
    await writeFile(file, '[nsca]\nencryption = 4\n');
    const env = { ...process.env, NODE_OPTIONS: '' };
    const check = await runCli(['check-config', '--config', file], { env });
    expect(check.code).toBe(78);
    expect(check.stderr).toMatch(/nsca\.encryption: .*legacy provider/);
    const withLegacy = await runCli(['check-config', '--config', file], {
      env: { ...env, NODE_OPTIONS: '--openssl-legacy-provider' },
    });
    expect(withLegacy.code, withLegacy.stderr).toBe(0);
  });

  it('warns like ssh about a password file every user can read', async () => {
    const pw = join(dir, 'open.password');
    await writeFile(pw, 'pw\n');
    const { chmod } = await import('node:fs/promises');
    await chmod(pw, 0o644);
    const file = join(dir, 'open.toml');
    await writeFile(file, `[nsca]\npassword_file = "${pw}"\n`);
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`wrapwatch: warning: nsca.password_file: permissions 0644 for ${pw} are too open`);
  });

  it('lists every bad field with what was expected and exits 78', async () => {
    const file = join(dir, 'bad.toml');
    await writeFile(
      file,
      // A misspelt template field is listed with the shape errors (the throttle's template module states the rule).
      '[nsca]\nport = 70000\nencryption = 5\n[throttle]\nwindw_seconds = 30\n[report]\nstatus = "crit"\n' +
        'output = "Denied {deamon}"\n[[rule]]\nhost_name = "{hots}"\n',
    );
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('6 problems');
    expect(run.stderr).toMatch(/nsca\.port: .*65535/);
    expect(run.stderr).toMatch(/nsca\.encryption: unsupported encryption method; supported: 0, 1, 2, 3, 4, 8, 14/);
    expect(run.stderr).toMatch(/throttle\.windw_seconds: unknown key/);
    expect(run.stderr).toMatch(/report\.status: .*number/);
    expect(run.stderr).toContain('report.output: unknown field {deamon}; expected one of {daemon} {daemon_service}');
    expect(run.stderr).toContain('rule[0].host_name: unknown field {hots}; expected one of {host}');
  });

  it("--quiet (the unit's ExecReload=) prints nothing for a valid file and still fails a broken one", async () => {
    const good = join(dir, 'quiet-good.toml');
    await writeFile(good, '[throttle]\nwindow_seconds = 120\n');
    expect(await runCli(['check-config', '--quiet', '--config', good])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    const bad = join(dir, 'quiet-bad.toml');
    await writeFile(bad, '[throttle]\nwindow_seconds = "soon"\n');
    const run = await runCli(['check-config', '--quiet', '--config', bad]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/throttle\.window_seconds/);
  });

  it('checks the shipped config/wrapwatch.toml', async () => {
    const run = await runCli([
      'check-config',
      '--config',
      new URL('../../config/wrapwatch.toml', import.meta.url).pathname,
    ]);
    expect(run.code).toBe(0);
  });

  it('exits 78 for a missing config file and 2 for an unknown command', async () => {
    const missing = await runCli(['check-config', '--config', join(dir, 'nope.toml')]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain(
      '(file): no such file: copy config/wrapwatch.toml there, or name another file with --config FILE',
    );
    expect(missing.stderr).not.toContain('ENOENT');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
