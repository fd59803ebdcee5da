import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { effectiveConfigToml } from '../../src/config/effective.js';
import { configFromObject } from '../../src/config/load.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const problemsOf = async (doc: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    await configFromObject(doc, 'test.toml', { env, hostname: 'testhost' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
};

const icinga = {
  url: 'https://icinga.example:5665',
  user: 'wrapwatch',
  password: 'pw',
  ca_file: '/etc/wrapwatch/icinga-ca.crt',
};

describe('[nsca_ng]', () => {
  it('has the defaults of NSCA-ng: port 5668, identity the host name', async () => {
    const config = await configFromObject({ nsca_ng: { password: 'k' } }, 't.toml', { hostname: 'firestorm' });
    expect(config.nsca_ng).toEqual({
      host: '127.0.0.1',
      port: 5668,
      identity: 'firestorm',
      timeout_seconds: 10,
      password: 'k',
      passwordFrom: { kind: 'inline' },
    });
  });

  it('reads the key from a file, and check-config never prints it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-config-'));
    dirs.push(dir);
    await writeFile(join(dir, 'key'), 'secret-key\n');
    const config = await configFromObject(
      { nsca_ng: { identity: 'web01', password_file: join(dir, 'key') } },
      't.toml',
    );
    expect(config.nsca_ng?.password).toBe('secret-key');
    const shown = effectiveConfigToml(config);
    expect(shown).not.toContain('secret-key');
    expect(shown).toContain(`password_file = "${join(dir, 'key')}"`);
  });

  it('refuses typos, two password sources, and an identity with spaces', async () => {
    expect(
      await problemsOf({ nsca_ng: { hots: 'x', password: 'a', password_file: '/k', identity: 'web 01' } }),
    ).toEqual([
      'nsca_ng.identity: must be printable ASCII without spaces (it is sent as the TLS PSK identity)',
      'nsca_ng.hots: unknown key (a typo?); see config/wrapwatch.toml for the valid keys',
      'nsca_ng.password: set only one of password, password_file, password_credential (found password, password_file)',
      'nsca_ng.password_file: set only one of password, password_file, password_credential (found password, password_file)',
    ]);
  });
});

describe('[icinga2]', () => {
  it('takes url, user, password, ca_file and server_name; the password is redacted in check-config', async () => {
    const config = await configFromObject({ icinga2: { ...icinga, server_name: 'icinga-master' } }, 't.toml');
    expect(config.icinga2).toEqual({
      url: icinga.url,
      user: 'wrapwatch',
      ca_file: icinga.ca_file,
      server_name: 'icinga-master',
      timeout_seconds: 10,
      password: 'pw',
      passwordFrom: { kind: 'inline' },
    });
    const shown = effectiveConfigToml(config);
    expect(shown).not.toContain('"pw"');
    expect(shown).toContain('# [icinga2] password is set in the file and left out here (redacted)');
  });

  it('names what is missing or wrong: plain http, a path, credentials in the URL, no ca_file', async () => {
    expect(await problemsOf({ icinga2: { url: 'http://u:p@icinga.example:5665/v1', user: 'w' } })).toEqual([
      'icinga2.url: must be https (the Icinga 2 API speaks only TLS), not http',
      'icinga2.url: give only scheme, host and port; wrapwatch adds /v1/actions/process-check-result',
      'icinga2.url: put the user in icinga2.user and the password in icinga2.password_file, not in the URL',
      expect.stringMatching(/^icinga2\.ca_file: /),
    ]);
  });

  it('a credential is read from $CREDENTIALS_DIRECTORY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-cred-'));
    dirs.push(dir);
    await writeFile(join(dir, 'icinga'), 'from-credential');
    const { password: _pw, ...rest } = icinga;
    const config = await configFromObject({ icinga2: { ...rest, password_credential: 'icinga' } }, 't.toml', {
      env: { CREDENTIALS_DIRECTORY: dir },
    });
    expect(config.icinga2?.password).toBe('from-credential');
  });

  it('tables of transports that are not selected are absent unless written', async () => {
    const config = await configFromObject({}, 't.toml');
    expect(config.nsca_ng).toBeUndefined();
    expect(config.icinga2).toBeUndefined();
  });
});

describe('the commented examples in config/wrapwatch.toml', () => {
  it('are valid tables once uncommented', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('smol-toml');
    const text = await readFile(new URL('../../config/wrapwatch.toml', import.meta.url), 'utf8');
    for (const table of ['nsca_ng', 'icinga2'] as const) {
      const start = text.indexOf(`# [${table}]`);
      expect(start).toBeGreaterThanOrEqual(0);
      const block = text.slice(start, text.indexOf('\n\n', start)).split('\n');
      // Keep `# key = value` lines, drop prose and the password choices (files that do not exist here).
      const lines = block
        .map((line) => line.replace(/^#\s?/, ''))
        .filter((line) => /^\[|^[a-z_]+ = /.test(line) && !line.startsWith('password'));
      const doc = parse(lines.join('\n')) as Record<string, unknown>;
      const config = await configFromObject(doc, 'example.toml', { hostname: 'h' });
      expect(config[table]).toBeDefined();
    }
  });
});
