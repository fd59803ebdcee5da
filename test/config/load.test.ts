import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configFromObject, loadConfig } from '../../src/config/load.js';
import { effectiveConfigToml } from '../../src/config/effective.js';
import { compileConfig } from '../../src/config/compile.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const makeTempDir = tempDirs();

const problemsOf = async (doc: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    await configFromObject(doc, 'test.toml', { env, hostname: 'testhost' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
};

describe('the configuration', () => {
  it('fills every default from an empty file and freezes the result', async () => {
    const config = await configFromObject({}, 'empty.toml', { hostname: 'firestorm' });
    expect(config.source.paths).toEqual(['/var/log/secure']);
    expect(config.nsca).toMatchObject({
      host: '127.0.0.1',
      port: 5667,
      encryption: 1,
      timeout_seconds: 10,
      password: '',
    });
    expect(config.report).toMatchObject({
      host_name: 'firestorm',
      service: 'TCP Wrappers',
      status: 2,
      output: 'Denied {daemon_service} from {address}',
    });
    expect(config.throttle).toMatchObject({
      window_seconds: 60,
      max_results_per_minute: 30,
      max_tracked_sources: 10000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.throttle)).toBe(true);
    expect(() => {
      (config.throttle as { window_seconds: number }).window_seconds = 1;
    }).toThrow(TypeError);
  });

  it('[output]: type nsca by default; the sink settings come from [output], or from [nsca] as configs before [output] have them', async () => {
    const defaults = await configFromObject({}, 'empty.toml');
    expect(defaults.output).toEqual({
      type: 'nsca',
      max_pending_results: 10_000,
      reconnect_min_seconds: 1,
      reconnect_max_seconds: 60,
    });
    expect(defaults.nsca).not.toHaveProperty('max_pending_results');
    const old = await configFromObject(
      { nsca: { max_pending_results: 5, reconnect_min_seconds: 0.5, reconnect_max_seconds: 2 } },
      'old.toml',
    );
    expect(old.output).toEqual({
      type: 'nsca',
      max_pending_results: 5,
      reconnect_min_seconds: 0.5,
      reconnect_max_seconds: 2,
    });
    const mixed = await configFromObject(
      { output: { type: 'nsca', max_pending_results: 7 }, nsca: { reconnect_max_seconds: 9 } },
      'new.toml',
    );
    expect(mixed.output).toEqual({
      type: 'nsca',
      max_pending_results: 7,
      reconnect_min_seconds: 1,
      reconnect_max_seconds: 9,
    });
  });

  it('[output]: a sink setting in both [output] and [nsca] is an error naming both; unknown types and keys are errors', async () => {
    expect(await problemsOf({ output: { max_pending_results: 5 }, nsca: { max_pending_results: 6 } })).toEqual([
      'output.max_pending_results: set in both output.max_pending_results and nsca.max_pending_results: keep only output.max_pending_results',
      'nsca.max_pending_results: set in both output.max_pending_results and nsca.max_pending_results: keep only output.max_pending_results',
    ]);
    expect(await problemsOf({ output: { reconnect_min_seconds: 10 }, nsca: { reconnect_max_seconds: 5 } })).toEqual([
      'nsca.reconnect_max_seconds: must be at least reconnect_min_seconds',
    ]);
    expect(await problemsOf({ output: { type: 'carrier-pigeon' } })).toEqual([
      expect.stringMatching(/^output\.type: /),
    ]);
    expect(await problemsOf({ output: { typo: 1 } })).toEqual([expect.stringMatching(/^output\.typo: unknown key/)]);
  });

  it('takes a list of paths, each its own source', async () => {
    const config = await configFromObject({ source: { path: ['/var/log/auth.log', '/var/log/syslog'] } }, 't.toml');
    expect(config.source.paths).toEqual(['/var/log/auth.log', '/var/log/syslog']);
  });

  it('lists every bad field by dotted path, not just the first', async () => {
    const problems = await problemsOf({
      nsca: { port: 'five', encryption: 7 },
      throttle: { windw_seconds: 30, max_results_per_minute: -1 },
      rule: [{ daemons: 'sshd' }, { clients: 'ALL', ignore: 'yes' }],
      report: { output: 'Denied {deamon} from {address}' },
      bogus: {},
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nsca\.port: .*number/),
        expect.stringMatching(/^nsca\.encryption: unsupported encryption method; supported: 0, 1, 2, 3, 4, 8, 14/),
        expect.stringMatching(/^throttle\.windw_seconds: unknown key/),
        expect.stringMatching(/^throttle\.max_results_per_minute: /),
        expect.stringMatching(/^rule\[1\]\.ignore: .*boolean/),
        expect.stringMatching(/^report\.output: unknown field \{deamon\}; expected one of \{daemon\}/),
        expect.stringMatching(/^bogus: unknown key/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('builds the throttle settings in the same compile step, from the config with the machine defaults filled in', async () => {
    const { config, throttle } = await compileConfig(
      { throttle: { window_seconds: 120 }, rule: [{ daemons: 'sshd', clients: '10.0.0.0/8', ignore: true }] },
      't.toml',
      { hostname: 'firestorm', env: {} },
    );
    expect(throttle.windowMs).toBe(120_000);
    expect(throttle.rules).toHaveLength(1);
    expect(throttle.defaultRoute.hostName.literal).toBe('firestorm');
    expect(config.report.host_name).toBe('firestorm');
    await expect(compileConfig({ rule: [{ clients: '10.0.0.0/33' }] }, 't.toml', { env: {} })).rejects.toThrow(
      /rule\[0\]\.clients/,
    );
  });

  it('reads the password from a file, without its trailing newline', async () => {
    const dir = await makeTempDir('wrapwatch-config-');
    await writeFile(join(dir, 'pw'), 's3cret\n');
    const config = await configFromObject({ nsca: { password_file: join(dir, 'pw') } }, 't.toml');
    expect(config.nsca.password).toBe('s3cret');
    expect(effectiveConfigToml(config)).not.toContain('s3cret');
    expect(effectiveConfigToml(config)).toContain(`password_file = "${join(dir, 'pw')}"`);
  });

  it('reads the password from a systemd credential', async () => {
    const dir = await makeTempDir('wrapwatch-cred-');
    await writeFile(join(dir, 'nsca.password'), 'fromcred');
    const config = await configFromObject({ nsca: { password_credential: 'nsca.password' } }, 't.toml', {
      env: { CREDENTIALS_DIRECTORY: dir },
    });
    expect(config.nsca.password).toBe('fromcred');
    expect(await problemsOf({ nsca: { password_credential: 'nsca.password' } })).toEqual([
      expect.stringMatching(
        /^nsca\.password_credential: the credential "nsca.password" is read from \$CREDENTIALS_DIRECTORY/,
      ),
    ]);
  });

  it('says what a credential needs outside systemd, the same for run, check-config and reload', async () => {
    expect(await problemsOf({ nsca: { password_credential: 'nsca.password' } })).toEqual([
      expect.stringMatching(
        /^nsca\.password_credential: the credential "nsca\.password" is read from \$CREDENTIALS_DIRECTORY, which systemd sets .*CREDENTIALS_DIRECTORY=\/etc\/wrapwatch/,
      ),
    ]);
  });

  it('names the password file that cannot be read, and refuses two password sources', async () => {
    expect(await problemsOf({ nsca: { password_file: '/nonexistent/pw' } })).toEqual([
      expect.stringMatching(/^nsca\.password_file: cannot read \/nonexistent\/pw: no such file/),
    ]);
    expect(await problemsOf({ nsca: { password: 'a', password_file: '/x' } })).toHaveLength(2);
  });

  it('reports TOML syntax errors with line and column', async () => {
    const dir = await makeTempDir('wrapwatch-toml-');
    const file = join(dir, 'bad.toml');
    await writeFile(file, '[nsca]\nport = = 5\n');
    await expect(loadConfig(file)).rejects.toThrow(/TOML line 2, column \d+/);
    await expect(loadConfig(join(dir, 'missing.toml'))).rejects.toThrow(
      /\(file\): no such file: copy config\/wrapwatch.toml there, or name another file with --config FILE/,
    );
  });

  it('accepts the shipped config/wrapwatch.toml as it is', async () => {
    const config = await loadConfig(new URL('../../config/wrapwatch.toml', import.meta.url).pathname, {
      hostname: 'h',
    });
    expect(config.source.paths).toEqual(['/var/log/secure']);
  });
});
