import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveringSink } from '../../../src/sink/delivering-sink.js';
import { connectTcp, sendPrepared } from '../../../src/sink/nsca/client.js';
import { NscaTransport, type NscaSend, type NscaSettings } from '../../../src/sink/nsca/nsca-transport.js';
import type { Alert, Logger, SinkSettings } from '../../../src/types.js';
import { startNscaServer, withoutTimestamp, type NscaServer } from '../../helpers/nsca-server.js';

const quiet: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const alert = (n: number): Alert => ({
  host: 'firestorm',
  service: 'TCP Wrappers',
  status: 2,
  output: `Denied sshd from 10.0.0.${n} | refusals=1 sources=1`,
  refusals: 1,
  sources: 1,
  oldestSeq: n,
  reason: 'first',
});

let server: NscaServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('DeliveringSink with the NSCA transport and the real nsca server', () => {
  it('sends results that arrive while a connection is open on that connection, at once and in order', async () => {
    server = await startNscaServer({ decryptionMethod: 3, password: 'stream test' });
    const settings: NscaSettings = {
      host: server.host,
      port: server.port,
      encryption: 3,
      password: 'stream test',
      timeout_seconds: 5,
      linger_ms: 300,
    };
    const sinkSettings: SinkSettings = {
      max_pending_results: 1000,
      reconnect_min_seconds: 0.1,
      reconnect_max_seconds: 1,
    };
    let connections = 0;
    const counting: NscaSend = (batch, options) =>
      sendPrepared(batch, { ...options, connect: (host, port) => (connections++, connectTcp(host, port)) });
    const sink = new DeliveringSink({
      target: { transport: new NscaTransport(settings, counting), settings: sinkSettings },
      logger: quiet,
    });
    for (let n = 1; n <= 30; n++) {
      sink.submit([alert(n)]);
      // Each result lands before the next is submitted: no result waits for a linger to end.
      await server.waitForLines(n, 2000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await sink.drain(5000)).toBe(true);
    const lines = (await server.readCommandFile()).map(withoutTimestamp);
    expect(lines).toEqual(
      Array.from(
        { length: 30 },
        (_, i) => `PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;${alert(i + 1).output}`,
      ),
    );
    // 30 results 20 ms apart, each within 300 ms of the last: one connection carried them.
    expect(connections).toBeLessThanOrEqual(2);
    expect(sink.oldestPendingSeq()).toBeNull();
    await sink.close();
  });

  it('counts a streamed connection the receiver hangs up on as not delivered, and delivers it again', async () => {
    server = await startNscaServer({ decryptionMethod: 1, password: 'right' });
    const wrong: NscaSettings = {
      host: server.host,
      port: server.port,
      encryption: 1,
      password: 'wrong',
      timeout_seconds: 5,
      linger_ms: 300,
    };
    const sinkSettings: SinkSettings = {
      max_pending_results: 1000,
      reconnect_min_seconds: 0.05,
      reconnect_max_seconds: 0.2,
    };
    const sink = new DeliveringSink({
      target: { transport: new NscaTransport(wrong), settings: sinkSettings },
      logger: quiet,
    });
    for (let n = 1; n <= 5; n++) sink.submit([alert(n)]);
    // Two whole deliveries hung up on: the receiver has read and dropped what each carried.
    await vi.waitFor(
      () => {
        expect(sink.stats().failures).toBeGreaterThanOrEqual(2);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(await server.readCommandFile()).toEqual([]);
    expect(sink.oldestPendingSeq()).toBe(1);
    sink.retarget({ transport: new NscaTransport({ ...wrong, password: 'right' }), settings: sinkSettings });
    expect(await sink.drain(5000)).toBe(true);
    expect((await server.readCommandFile()).map(withoutTimestamp)).toEqual(
      Array.from(
        { length: 5 },
        (_, i) => `PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;${alert(i + 1).output}`,
      ),
    );
    await sink.close();
  });
});
