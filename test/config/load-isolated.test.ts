import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadCompiledConfig } from '../../src/config/load.js';
import { loadCompiledConfigIsolated, loaderNodeFlags } from '../../src/config/load-isolated.js';
import { assertBuilt, REPO_ROOT } from '../helpers/built-dist.js';
import { tempDirs } from '../helpers/temp-dirs.js';

/** The child runs the built loader: the one `wrapwatch run` starts. */
const loader = join(REPO_ROOT, 'dist/config/load-process.cjs');
const makeTempDir = tempDirs();
const execFileAsync = promisify(execFile);
const EXAMPLE = join(REPO_ROOT, 'config/wrapwatch.toml');

beforeAll(() => {
  assertBuilt(['config']);
});

async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('loading the config in a child process (what `run` and SIGHUP use)', () => {
  it('gives the same configuration, warnings and throttle settings as the in-process loader, frozen', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-');
    const pw = join(dir, 'pw');
    await writeFile(pw, 'secret\n', { mode: 0o644 });
    const file = join(dir, 'wrapwatch.toml');
    await writeFile(
      file,
      [
        '[source]',
        'path = ["/var/log/secure", "/var/log/auth.log"]',
        'timezone = "Europe/Berlin"',
        '[nsca]',
        `password_file = "${pw}"`,
        '[throttle]',
        'window_seconds = 30',
        '[[rule]]',
        'clients = "10.0.0.0/8"',
        'service = "Internal {daemon}"',
        '',
      ].join('\n'),
    );
    const inProcess = await loadCompiledConfig(file, { hostname: 'gate' });
    const isolated = await loadCompiledConfigIsolated(file, { hostname: 'gate', loader });
    expect(isolated.config).toEqual(inProcess.config);
    expect(isolated.config.nsca.password).toBe('secret');
    expect(isolated.warnings).toEqual(inProcess.warnings);
    expect(isolated.warnings).toHaveLength(1);
    expect(Object.isFrozen(isolated.config)).toBe(true);
    expect(Object.isFrozen(isolated.config.source.paths)).toBe(true);
    expect(isolated.throttle.windowMs).toBe(30_000);
    expect(isolated.throttle.rules).toHaveLength(1);
    expect(isolated.throttle.defaultRoute.hostName.literal).toBe('gate');
    expect(isolated.throttle.zone.timeZone).toBe('Europe/Berlin');
    expect(isolated.throttle.limits).toEqual(inProcess.throttle.limits);
  });

  it('accepts the shipped config/wrapwatch.toml as it is', async () => {
    const { config } = await loadCompiledConfigIsolated(EXAMPLE, { hostname: 'h', loader });
    expect(config).toEqual((await loadCompiledConfig(EXAMPLE, { hostname: 'h' })).config);
  });

  it('reports every bad field as a ConfigError, as the in-process loader does', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-');
    const file = join(dir, 'bad.toml');
    await writeFile(
      file,
      '[throttle]\nmax_results_per_minute = -1\nwindw_seconds = 5\n[[rule]]\nclients = "10.0.0.0/33"\n',
    );
    const expected = await problemsOf(loadCompiledConfig(file));
    expect(expected).toEqual([
      expect.stringMatching(/^throttle\.max_results_per_minute: /),
      expect.stringMatching(/^throttle\.windw_seconds: unknown key/),
    ]);
    expect(await problemsOf(loadCompiledConfigIsolated(file, { loader }))).toEqual(expected);
    // Past the schema: what the compile step finds (a hosts_access pattern).
    const rules = join(dir, 'rules.toml');
    await writeFile(rules, '[[rule]]\nclients = "10.0.0.0/33"\n');
    const compiled = await problemsOf(loadCompiledConfig(rules));
    expect(compiled.join('\n')).toMatch(/rule\[0\]\.clients/);
    expect(await problemsOf(loadCompiledConfigIsolated(rules, { loader }))).toEqual(compiled);
  });

  it('names a missing file and a TOML syntax error by line and column', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-');
    expect(await problemsOf(loadCompiledConfigIsolated(join(dir, 'missing.toml'), { loader }))).toEqual([
      '(file): no such file: copy config/wrapwatch.toml there, or name another file with --config FILE',
    ]);
    const file = join(dir, 'syntax.toml');
    await writeFile(file, '[nsca]\nport = = 5\n');
    expect(await problemsOf(loadCompiledConfigIsolated(file, { loader }))).toEqual([
      expect.stringMatching(/^\(TOML line 2, column \d+\): /),
    ]);
  });

  it('reads a systemd credential from the environment it is given', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-cred-');
    await writeFile(join(dir, 'nsca.password'), 'fromcred');
    const file = join(dir, 'wrapwatch.toml');
    await writeFile(file, '[nsca]\npassword_credential = "nsca.password"\n');
    const { config } = await loadCompiledConfigIsolated(file, {
      loader,
      env: { ...process.env, CREDENTIALS_DIRECTORY: dir },
    });
    expect(config.nsca.password).toBe('fromcred');
    const withoutCredentials = { ...process.env };
    delete withoutCredentials.CREDENTIALS_DIRECTORY;
    expect(await problemsOf(loadCompiledConfigIsolated(file, { loader, env: withoutCredentials }))).toEqual([
      expect.stringMatching(/^nsca\.password_credential: the credential "nsca.password" is read from/),
    ]);
  });

  it('fails with an error naming the loader process when it dies without an answer', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-dead-');
    const dead = join(dir, 'dead-loader.mjs');
    await writeFile(dead, 'process.exit(3);\n');
    await expect(loadCompiledConfigIsolated(EXAMPLE, { loader: dead })).rejects.toThrow(
      /config loader process \(.*dead-loader\.mjs\) ended without an answer \(exit code 3\)/,
    );
  });

  it('kills a loader that has not answered within its deadline, saying what may hang (here a password FIFO no one writes)', async () => {
    const dir = await makeTempDir('wrapwatch-isolated-hung-');
    const fifo = join(dir, 'password.fifo');
    await execFileAsync('mkfifo', ['-m', '0600', fifo]);
    const file = join(dir, 'wrapwatch.toml');
    await writeFile(file, `[nsca]\npassword_file = ${JSON.stringify(fifo)}\n`);
    const started = Date.now();
    // Rejected only once the child has ended ('close'): nothing is left running.
    await expect(loadCompiledConfigIsolated(file, { loader, timeoutMs: 1000 })).rejects.toThrow(
      /config loader process \(.*load-process\.cjs\) did not answer within 1 s and was killed: .*password file/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('passes on --openssl-legacy-provider, so `run` accepts encryption 4 (CAST-128) as check-config does', async () => {
    expect(loaderNodeFlags(['--max-semi-space-size=2', '--openssl-legacy-provider', '--cpu-prof'])).toEqual([
      '--openssl-legacy-provider',
    ]);
    const dir = await makeTempDir('wrapwatch-isolated-legacy-');
    const file = join(dir, 'wrapwatch.toml');
    await writeFile(file, '[nsca]\nencryption = 4\npassword = "secret"\n');
    // A node started like `node --openssl-legacy-provider wrapwatch run`, loading through the built module.
    const script = `import { loadCompiledConfigIsolated } from ${JSON.stringify(join(REPO_ROOT, 'dist/config/load-isolated.js'))};
      loadCompiledConfigIsolated(process.argv[1]).then((c) => console.log('ok', c.config.nsca.encryption), (e) => console.log('refused', e.message));`;
    const withFlag = await execFileAsync(process.execPath, [
      '--openssl-legacy-provider',
      '--input-type=module',
      '-e',
      script,
      file,
    ]);
    expect(withFlag.stdout.trim()).toBe('ok 4');
    const withoutFlag = await execFileAsync(process.execPath, ['--input-type=module', '-e', script, file]);
    expect(withoutFlag.stdout).toMatch(/^refused .*CAST-128.*--openssl-legacy-provider/s);
  });
});
