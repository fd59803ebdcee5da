import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configFromObject } from '../../src/config/load.js';

const problemsOf = async (doc: unknown) => {
  try {
    await configFromObject(doc, 'test.toml', { env: {}, hostname: 'testhost' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
};

// Any readable file stands in for the CA here; the transport tests use a real one.
const icinga = {
  url: 'https://icinga.example:5665',
  user: 'wrapwatch',
  password: 'pw',
  ca_file: new URL('../../config/wrapwatch.toml', import.meta.url).pathname,
};

describe('[output] type selects the transport; its table must be usable', () => {
  it('type = "icinga2" without an [icinga2] table: says what the table needs', async () => {
    expect(await problemsOf({ output: { type: 'icinga2' } })).toEqual([
      'icinga2: [output] type = "icinga2" needs an [icinga2] table with url, user, ca_file and a password (see config/wrapwatch.toml)',
    ]);
  });

  it('type = "nsca-ng" works without a table but not without a key', async () => {
    expect(await problemsOf({ output: { type: 'nsca-ng' } })).toEqual([
      'nsca_ng.password_file: [output] type selects this transport, which needs a password: set nsca_ng.password_file (or password_credential, or password)',
    ]);
    const config = await configFromObject({ output: { type: 'nsca-ng' }, nsca_ng: { password: 'k' } }, 't.toml', {
      hostname: 'web01',
    });
    expect(config.output.type).toBe('nsca-ng');
    expect(config.nsca_ng).toMatchObject({ host: '127.0.0.1', port: 5668, identity: 'web01' });
  });

  it('type = "icinga2": a ca_file that cannot be read is a config error, not a delivery failure later', async () => {
    expect(
      await problemsOf({ output: { type: 'icinga2' }, icinga2: { ...icinga, ca_file: '/nonexistent/ca.crt' } }),
    ).toEqual(["icinga2.ca_file: cannot read /nonexistent/ca.crt: ENOENT (copy Icinga's ca.crt there)"]);
  });

  it('a table of a transport that is not selected is accepted if well-formed, refused if malformed', async () => {
    expect(await problemsOf({ output: { type: 'nsca' }, icinga2: icinga, nsca_ng: { identity: 'web01' } })).toEqual([]);
    expect(
      await problemsOf({ output: { type: 'nsca' }, icinga2: { ...icinga, url: 'http://icinga.example' } }),
    ).toEqual(['icinga2.url: must be https (the Icinga 2 API speaks only TLS), not http']);
  });

  it('field limits follow the transport: a 100-byte service is fine for Icinga 2, too long for NSCA', async () => {
    const service = 'S'.repeat(150);
    expect(await problemsOf({ output: { type: 'icinga2' }, icinga2: icinga, report: { service } })).toEqual([]);
    expect((await problemsOf({ report: { service } })).join('\n')).toMatch(/report\.service/);
  });
});
