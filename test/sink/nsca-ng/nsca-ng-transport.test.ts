/**
 * The NSCA-ng transport against the real Debian nsca-ng 1.6 server (started per test on
 * 127.0.0.1 with its own config and FIFO, stopped by pid): what it confirms arrives exactly,
 * every refusal has its own reason and message, and nothing the server did not confirm counts.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { NscaNgTransport, type NscaNgSettings } from '../../../src/sink/nsca-ng/nsca-ng-transport.js';
import type { DeliveryReport } from '../../../src/sink/transport.js';
import type { PassiveCheckResult } from '../../../src/types.js';
import {
  DEFAULT_IDENTITY,
  startNscaNgServer,
  withoutTimestamp,
  type NscaNgServer,
  type NscaNgServerOptions,
} from '../../helpers/nsca-ng-server.js';

const servers: NscaNgServer[] = [];
const transports: NscaNgTransport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: NscaNgServerOptions = {}): Promise<NscaNgServer> {
  const started = await startNscaNgServer(options);
  servers.push(started);
  return started;
}

function transport(srv: NscaNgServer, overrides: Partial<NscaNgSettings> = {}, idleQuitMs?: number): NscaNgTransport {
  const settings: NscaNgSettings = {
    host: '127.0.0.1',
    port: srv.port,
    identity: DEFAULT_IDENTITY.identity,
    password: DEFAULT_IDENTITY.password,
    timeout_seconds: 5,
    ...overrides,
  };
  const made = new NscaNgTransport({ settings, ...(idleQuitMs === undefined ? {} : { idleQuitMs }) });
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

async function deliver(t: NscaNgTransport, results: readonly PassiveCheckResult[]): Promise<DeliveryReport> {
  return t.deliver(results.map((r) => t.prepare(r)));
}

describe('NSCA-ng transport against the real nsca-ng server', () => {
  test('results arrive in the command file exactly, escaped as the protocol asks, each confirmed', async () => {
    const srv = await server();
    const t = transport(srv);
    const results = [
      result(1),
      result(2, { status: 1, output: 'back\\slash and\nnewline | refusals=2 sources=1' }),
      { host: 'firestorm', service: '', status: 1, output: 'host result' },
      result(3, { output: 'Denied in.telnetd from 2001:db8::1 (user@evil) | refusals=3 sources=1' }),
    ];
    const report = await deliver(t, results);
    expect(report).toEqual({ confirmed: 4, refused: [], failure: null });
    const lines = (await srv.waitForLines(4)).map(withoutTimestamp);
    expect(lines).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.1 | refusals=1 sources=1',
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;1;back\\\\slash and\\nnewline | refusals=2 sources=1',
      'PROCESS_HOST_CHECK_RESULT;firestorm;1;host result',
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied in.telnetd from 2001:db8::1 (user@evil) | refusals=3 sources=1',
    ]);
    // The client stamps the time (the server passes the command through).
    const stamp = Number(/^\[(\d+)\]/.exec(srv.lines()[0] ?? '')?.[1]);
    expect(Math.abs(stamp - Date.now() / 1000)).toBeLessThan(5);
  });

  test('one session carries many deliveries: 500 results, one connection in the server log', async () => {
    const srv = await server();
    const t = transport(srv);
    const results = Array.from({ length: 500 }, (_, i) => result(i));
    let confirmed = 0;
    for (let i = 0; i < results.length; i += 100) confirmed += (await deliver(t, results.slice(i, i + 100))).confirmed;
    expect(confirmed).toBe(500);
    const lines = (await srv.waitForLines(500)).map(withoutTimestamp);
    expect(lines).toEqual(results.map((r) => `PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;${r.output}`));
    const sessionIds = new Set([...srv.log().matchAll(/\(ID: ([^)]+)\)/g)].map((m) => m[1]));
    expect(sessionIds.size).toBe(1);
  });

  test('wrong key: rejected, naming the password; nothing confirmed, nothing written', async () => {
    const srv = await server();
    const report = await deliver(transport(srv, { password: 'not-the-key' }), [result(1)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('rejected');
    expect(report.failure?.message).toContain('bad record mac');
    expect(report.failure?.message).toContain('nsca_ng.password differs');
    expect(srv.lines()).toEqual([]);
  });

  test('unknown identity: rejected with its own message, naming the authorize block to add', async () => {
    const srv = await server();
    const report = await deliver(transport(srv, { identity: 'stranger' }), [result(1)]);
    expect(report.confirmed).toBe(0);
    expect(report.failure?.reason).toBe('rejected');
    expect(report.failure?.message).toContain('does not know the identity "stranger"');
    expect(report.failure?.message).toContain('authorize "stranger"');
    expect(srv.lines()).toEqual([]);
  });

  test('identity not authorized for a service: unauthorized; what was confirmed before it counts, nothing after', async () => {
    const srv = await server({
      identities: [
        { identity: 'limited', password: 'limited-key', hosts: 'nohost', services: 'TCP Wrappers@firestorm' },
      ],
    });
    const t = transport(srv, { identity: 'limited', password: 'limited-key' });
    const report = await deliver(t, [result(1), result(2, { service: 'Other' }), result(3)]);
    expect(report.confirmed).toBe(1);
    expect(report.failure?.reason).toBe('unauthorized');
    expect(report.failure?.message).toContain("FAIL You're not authorized");
    expect(report.failure?.message).toContain('service Other');
    expect((await srv.waitForLines(1)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.1 | refusals=1 sources=1',
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.lines()).toHaveLength(1);
    // The refused session is replaced: the next delivery goes through.
    expect(await deliver(t, [result(3)])).toEqual({ confirmed: 1, refused: [], failure: null });
    expect(await srv.waitForLines(2)).toHaveLength(2);
  });

  test("a command above the server's max_command_size: refused as too-large and counted, the others delivered", async () => {
    const srv = await server({ maxCommandSize: 300 });
    const t = transport(srv);
    const report = await deliver(t, [
      result(1),
      result(2, { output: `${'x'.repeat(400)} | refusals=2 sources=1` }),
      result(3),
      result(4),
    ]);
    expect(report.failure).toBeNull();
    expect(report.confirmed).toBe(4);
    expect(report.refused.map((r) => [r.index, r.reason])).toEqual([[1, 'too-large']]);
    expect(report.refused[0]?.message).toContain('raise max_command_size');
    expect((await srv.waitForLines(3)).map((l) => withoutTimestamp(l).split(';')[4])).toEqual([
      'Denied sshd from 192.0.2.1 | refusals=1 sources=1',
      'Denied sshd from 192.0.2.3 | refusals=3 sources=1',
      'Denied sshd from 192.0.2.4 | refusals=4 sources=1',
    ]);
  });

  test('the server ends an idle session (BAIL Connection timed out): the next delivery reconnects, no failure', async () => {
    const srv = await server({ timeoutSeconds: 1 });
    const t = transport(srv, {}, 60_000);
    expect((await deliver(t, [result(1)])).confirmed).toBe(1);
    await new Promise((r) => setTimeout(r, 1800));
    expect(srv.log()).toContain('timed out');
    expect(await deliver(t, [result(2)])).toEqual({ confirmed: 1, refused: [], failure: null });
    expect((await srv.waitForLines(2)).map(withoutTimestamp)).toHaveLength(2);
  });

  test('server stopped: unreachable; restarted on the same port: the same transport delivers again', async () => {
    const srv = await server();
    const t = transport(srv);
    expect((await deliver(t, [result(1)])).confirmed).toBe(1);
    await srv.stop();
    const down = await deliver(t, [result(2)]);
    expect(down.confirmed).toBe(0);
    expect(down.failure?.reason).toBe('unreachable');
    expect(down.failure?.message).toContain('ECONNREFUSED');
    const again = await server({ port: srv.port });
    expect(await deliver(t, [result(2)])).toEqual({ confirmed: 1, refused: [], failure: null });
    expect((await again.waitForLines(1)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.2 | refusals=2 sources=1',
    ]);
  });

  test('server frozen (SIGSTOP) mid-session: unconfirmed within the timeout; after SIGCONT the result is delivered', async () => {
    const srv = await server();
    const t = transport(srv, { timeout_seconds: 1 });
    expect((await deliver(t, [result(1)])).confirmed).toBe(1);
    await srv.freeze();
    let frozen: DeliveryReport;
    try {
      frozen = await deliver(t, [result(2)]);
    } finally {
      srv.thaw();
    }
    expect(frozen.confirmed).toBe(0);
    expect(frozen.failure?.reason).toBe('unconfirmed');
    expect(frozen.failure?.message).toContain('did not answer PUSH within the timeout');
    expect(await deliver(t, [result(2)])).toEqual({ confirmed: 1, refused: [], failure: null });
    const lines = (await srv.waitForLines(2)).map(withoutTimestamp);
    expect(lines).toContain(
      'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.2 | refusals=2 sources=1',
    );
  });

  test('a name that would break the Nagios command is refused before anything is sent', () => {
    const t = new NscaNgTransport({
      settings: { host: '127.0.0.1', port: 1, identity: 'x', password: 'y', timeout_seconds: 1 },
    });
    expect(() => t.prepare(result(1, { host: 'fire;storm' }))).toThrow(/host contains ";"/);
    expect(() => t.prepare(result(1, { service: 'TCP\nWrappers' }))).toThrow(
      /service contains the control character 0x0a/,
    );
    expect(() => t.prepare(result(1, { output: 'x'.repeat(9000) }))).toThrow(/output/);
    expect(t.describe(result(7))).toMatch(
      /^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.7 \| refusals=7 sources=1$/,
    );
  });
});

/**
 * What `OKAY` proves: the server queued the command, not that Nagios read it. These tests pin
 * what the real server then does when Nagios does not read (README: "NSCA-ng" section).
 */
describe('what the real nsca-ng does when Nagios does not read its command pipe', () => {
  test('pipe full (reader stalled): nothing blocks or drops; it spills to files that are read later', async () => {
    const srv = await server();
    srv.pauseReader();
    const t = transport(srv);
    const results = Array.from({ length: 3000 }, (_, i) =>
      result(i, { output: `Denied sshd from 198.51.100.${i % 250} port ${i} | refusals=1 sources=1` }),
    );
    let confirmed = 0;
    for (let i = 0; i < results.length; i += 1000)
      confirmed += (await deliver(t, results.slice(i, i + 1000))).confirmed;
    expect(confirmed).toBe(3000);
    srv.resumeReader();
    const lines = (await srv.waitForLines(3000, 20_000)).map(withoutTimestamp);
    expect(new Set(lines)).toEqual(
      new Set(results.map((r) => `PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;${r.output}`)),
    );
  }, 60_000);

  test('no reader at all: it queues in memory and, past max_queue_size, throws the queue away while still answering OKAY', async () => {
    const srv = await server({ noReader: true, maxQueueMegabytes: 1 });
    const t = transport(srv);
    const padding = 'x'.repeat(100);
    const results = Array.from({ length: 12_000 }, (_, i) =>
      result(i, { output: `Denied sshd from 203.0.113.${i % 250} ${padding} ${i} | refusals=1 sources=1` }),
    );
    let confirmed = 0;
    for (let i = 0; i < results.length; i += 1000)
      confirmed += (await deliver(t, results.slice(i, i + 1000))).confirmed;
    expect(confirmed).toBe(12_000);
    expect(srv.log()).toContain('THROWING DATA AWAY');
    // Nagios back: the server retries opening the FIFO every 10 s and writes what it still holds.
    srv.openReader();
    // Wait for the last result the server still held (not a fixed time: a loaded machine may need longer).
    const deadline = Date.now() + 30_000;
    while (!srv.lines().at(-1)?.includes(' 11999 | refusals=1') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const read = srv.lines().length;
    expect(read).toBeGreaterThan(0);
    // Confirmed with OKAY, yet lost: what was queued before the last throw-away never arrives.
    expect(read).toBeLessThan(12_000);
    expect(srv.lines()[read - 1]).toContain(' 11999 | refusals=1');
  }, 90_000);
});
