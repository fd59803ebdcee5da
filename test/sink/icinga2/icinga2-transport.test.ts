/**
 * The Icinga 2 transport against the real Debian Icinga 2.13 (one daemon for this file: it is
 * slow to start; started on 127.0.0.1 with its own config and certificates, stopped by pid).
 * Results are read back through the API; every refusal has its own reason and message, and
 * nothing Icinga did not confirm counts as delivered.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Icinga2Transport, type Icinga2Settings } from '../../../src/sink/icinga2/icinga2-transport.js';
import type { DeliveryReport } from '../../../src/sink/transport.js';
import type { PassiveCheckResult } from '../../../src/types.js';
import { API_USER, QUERY_ONLY_USER, startIcinga2, type Icinga2Server } from '../../helpers/icinga2-server.js';

let icinga: Icinga2Server;
const transports: Icinga2Transport[] = [];

beforeAll(async () => {
  icinga = await startIcinga2();
}, 90_000);

afterAll(async () => {
  await icinga.stop();
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(overrides: Partial<Icinga2Settings> = {}): Icinga2Transport {
  const settings: Icinga2Settings = {
    url: icinga.url,
    user: API_USER.user,
    password: API_USER.password,
    ca_file: icinga.caFile,
    server_name: icinga.serverName,
    timeout_seconds: 5,
    ...overrides,
  };
  const made = new Icinga2Transport({ settings, checkSource: 'wrapwatch-test' });
  transports.push(made);
  return made;
}

function result(i: number, extra: Partial<PassiveCheckResult> = {}): PassiveCheckResult {
  return {
    host: 'firestorm',
    service: 'TCP Wrappers',
    status: 2,
    output: `Denied sshd from 192.0.2.${i % 250} | refusals=${i} sources=1`,
    ...extra,
  };
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deliver(t: Icinga2Transport, results: readonly PassiveCheckResult[]): Promise<DeliveryReport> {
  return t.deliver(results.map((r) => t.prepare(r)));
}

interface LastCheckResult {
  readonly output: string;
  readonly performance_data: readonly string[];
  readonly check_source: string;
  readonly state: number;
}

async function lastResult(): Promise<{ state: unknown; last: LastCheckResult }> {
  const attrs = await icinga.service('firestorm', 'TCP Wrappers');
  return { state: attrs.state, last: attrs.last_check_result as LastCheckResult };
}

describe('Icinga 2 transport against the real Icinga 2', () => {
  test('a result is confirmed and reads back exactly: state, output, performance data, check source', async () => {
    const t = transport();
    const report = await deliver(t, [
      result(1, {
        status: 1,
        output: 'Denied in.telnetd from 2001:db8::1 (user@evil; "quoted") | refusals=7 sources=3',
      }),
    ]);
    expect(report).toEqual({ confirmed: 1, refused: [], failure: null });
    const { state, last } = await lastResult();
    expect(state).toBe(1);
    expect(last.output).toBe('Denied in.telnetd from 2001:db8::1 (user@evil; "quoted")');
    expect(last.performance_data).toEqual(['refusals=7', 'sources=3']);
    expect(last.check_source).toBe('wrapwatch-test');
    expect(last.state).toBe(1);
  });

  test('a batch of 200 over kept-alive connections: all confirmed, every one processed by Icinga exactly and in order', async () => {
    const t = transport();
    const results = Array.from({ length: 200 }, (_, i) =>
      result(i + 1, { output: `Denied sshd from 203.0.113.${i % 250} batch #${i} | refusals=1 sources=1` }),
    );
    const report = await deliver(t, results);
    expect(report).toEqual({ confirmed: 200, refused: [], failure: null });
    const expected = results.map(
      (r) => `firestorm!TCP Wrappers\tSTATE=2\tOUTPUT=${r.output.split(' | ')[0]}\tPERF=refusals=1 sources=1`,
    );
    const processed = await eventually(async () => {
      const lines = (await icinga.processedResults()).filter((l) => l.includes(' batch #'));
      return lines.length >= 200 ? lines : undefined;
    });
    // One object: its results go one after another, so Icinga processes them in order.
    expect(processed).toEqual(expected);
  });

  test('an output far beyond NSCA sizes goes through whole (Icinga has no 4,096-byte cap)', async () => {
    const t = transport();
    const long = `Denied sshd from ${'x'.repeat(20_000)} end`;
    expect(t.limits.maxOutputBytes).toBeNull();
    expect(await deliver(t, [result(1, { output: `${long} | refusals=1 sources=1` })])).toEqual({
      confirmed: 1,
      refused: [],
      failure: null,
    });
    expect((await lastResult()).last.output).toBe(long);
  });

  test('unknown object: refused as unknown-object (confirmed, not retried), saying what to define', async () => {
    const t = transport();
    const report = await deliver(t, [
      result(1, { host: 'nohost' }),
      result(2),
      result(3, { host: 'nohost' }),
      result(4, { service: 'Other' }),
    ]);
    expect(report.failure).toBeNull();
    expect(report.confirmed).toBe(4);
    expect(report.refused.map((r) => [r.index, r.reason])).toEqual([
      [0, 'unknown-object'],
      [2, 'unknown-object'],
      [3, 'unknown-object'],
    ]);
    expect(report.refused[0]?.message).toContain('object Service "TCP Wrappers" { host_name = "nohost"');
    expect(report.refused[2]?.message).toContain('object Service "Other" { host_name = "firestorm"');
    // The one known result among them did land.
    expect((await lastResult()).last.output).toBe('Denied sshd from 192.0.2.2');
  });

  test('wrong password: rejected, naming the user; nothing confirmed', async () => {
    const before = await lastResult();
    const report = await deliver(transport({ password: 'wrong' }), [result(901)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('rejected');
    expect(report.failure?.message).toContain('refused the credentials of user "wrapwatch" (401');
    expect((await lastResult()).last.output).toBe(before.last.output);
  });

  test('user without the permission: unauthorized (Icinga says 404 "Missing permission"), not unknown-object', async () => {
    const report = await deliver(transport({ user: QUERY_ONLY_USER.user, password: QUERY_ONLY_USER.password }), [
      result(902),
    ]);
    expect(report.confirmed).toBe(0);
    expect(report.refused).toEqual([]);
    expect(report.failure?.reason).toBe('unauthorized');
    expect(report.failure?.message).toContain('lacks the permission actions/process-check-result');
  });

  test('certificate from another CA: untrusted, never sent', async () => {
    const report = await deliver(transport({ ca_file: icinga.otherCaFile }), [result(903)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('untrusted');
    expect(report.failure?.message).toContain('icinga2.ca_file');
  });

  test('certificate name that does not match: untrusted (the IP is not in the certificate)', async () => {
    const report = await deliver(transport({ server_name: undefined }), [result(904)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('untrusted');
    expect(report.failure?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('nothing listening: unreachable', async () => {
    const report = await deliver(transport({ url: 'https://127.0.0.1:1' }), [result(905)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('unreachable');
    expect(report.failure?.message).toContain('ECONNREFUSED');
  });

  test('a host result goes to the host; a "!" in a host name is refused before sending', async () => {
    const t = transport();
    expect(
      await deliver(t, [{ host: 'firestorm', service: '', status: 1, output: 'host result | refusals=1 sources=1' }]),
    ).toEqual({ confirmed: 1, refused: [], failure: null });
    expect(() => t.prepare(result(1, { host: 'fire!storm' }))).toThrow(/host contains "!"/);
    expect(t.describe(result(5))).toBe(
      `POST ${icinga.url}/v1/actions/process-check-result {"type":"Service","service":"firestorm!TCP Wrappers","exit_status":2,"plugin_output":"Denied sshd from 192.0.2.5","performance_data":["refusals=5","sources=1"],"check_source":"wrapwatch-test"}`,
    );
  });

  test('Icinga frozen (SIGSTOP): unconfirmed after the timeout, nothing counted; after SIGCONT it is delivered', async () => {
    const t = transport({ timeout_seconds: 1 });
    expect((await deliver(t, [result(905)])).confirmed).toBe(1);
    await icinga.freeze();
    let frozen: DeliveryReport;
    try {
      frozen = await deliver(t, [result(906)]);
    } finally {
      icinga.thaw();
    }
    expect(frozen.confirmed).toBe(0);
    expect(frozen.failure?.reason).toBe('unconfirmed');
    expect(await deliver(t, [result(907)])).toEqual({ confirmed: 1, refused: [], failure: null });
  });

  // Last in the file: it restarts the shared daemon.
  test('Icinga restarted while a kept-alive connection is idle: the next delivery goes through, no failure', async () => {
    const t = transport();
    expect((await deliver(t, [result(910)])).confirmed).toBe(1);
    await icinga.stop({ keepDir: true });
    icinga = await startIcinga2({ restartOf: icinga });
    expect(await deliver(t, [result(911)])).toEqual({ confirmed: 1, refused: [], failure: null });
    expect((await lastResult()).last.output).toBe('Denied sshd from 192.0.2.161');
  }, 60_000);
});
