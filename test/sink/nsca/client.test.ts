import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { supportedEncryptionMethods } from '../../../src/sink/nsca/ciphers.js';
import {
  connectTcp,
  rejectionWatchMs,
  REJECTION_WATCH_FLOOR_MS,
  REJECTION_WATCH_ROUND_TRIPS,
  sendPrepared,
  type ConnectFunction,
  type NscaClientOptions,
  type SendReport,
} from '../../../src/sink/nsca/client.js';
import {
  InvalidResultError,
  NscaAbortedError,
  NscaClosedEarlyError,
  NscaConnectionRefusedError,
  NscaRejectedError,
  NscaTimeoutError,
  NscaUnconfirmedError,
  UnsupportedEncryptionError,
} from '../../../src/sink/nsca/errors.js';
import { prepareResult, TRUNCATION_MARKER } from '../../../src/sink/nsca/fields.js';
import { DATA_PACKET_BYTES } from '../../../src/sink/nsca/packet.js';
import type { PassiveCheckResult } from '../../../src/types.js';
import { freePort } from '../../helpers/child-process.js';
import { startNscaServer, withoutTimestamp, type NscaServer } from '../../helpers/nsca-server.js';

/** As the transport does: every result checked first (InvalidResultError names the first bad one; nothing sent), then all sent. */
async function sendResults(results: readonly PassiveCheckResult[], options: NscaClientOptions): Promise<SendReport> {
  const prepared = results.map((result, index) => prepareResult(result, index));
  return sendPrepared(prepared, options);
}

const PASSWORD = 'Tr0ub4dor&3 with a longer tail than some keys';

function options(
  server: { host: string; port: number },
  overrides: Partial<NscaClientOptions> = {},
): NscaClientOptions {
  return {
    host: server.host,
    port: server.port,
    encryption: 1,
    password: PASSWORD,
    timeoutMs: 5000,
    lingerMs: 300,
    ...overrides,
  };
}

const serviceResult: PassiveCheckResult = {
  host: 'firestorm',
  service: 'TCP Wrappers',
  status: 2,
  output: 'Denied sshd from 192.0.2.7|refusals=1;;;0',
};
const hostResult: PassiveCheckResult = { host: 'firestorm', service: '', status: 1, output: 'host is grumpy' };

const servers: NscaServer[] = [];
async function server(decryptionMethod: number, password = PASSWORD): Promise<NscaServer> {
  const started = await startNscaServer({ decryptionMethod, password });
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('delivery to the real nsca, per encryption method', () => {
  // Method 4 needs OpenSSL's legacy provider; test/cli/send.test.ts runs it in a process that has it.
  for (const method of [0, 1, 2, 3, 4, 8, 14]) {
    const available = supportedEncryptionMethods().includes(method);
    it.runIf(available)(`method ${method} delivers a service and a host result, exactly`, async () => {
      const nsca = await server(method);
      const report = await sendResults([serviceResult, hostResult], options(nsca, { encryption: method }));
      expect(report).toMatchObject({ sent: 2, truncated: 0 });
      const lines = await nsca.waitForLines(2);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192\.0\.2\.7\|refusals=1;;;0$/,
      );
      expect(lines[1]).toMatch(/^\[\d+\] PROCESS_HOST_CHECK_RESULT;firestorm;1;host is grumpy$/);
    });
  }

  it.runIf(!supportedEncryptionMethods().includes(4))(
    'without the legacy provider, method 4 fails before connecting, naming what is missing',
    async () => {
      let connects = 0;
      const counting: ConnectFunction = (host, port) => {
        connects++;
        return connectTcp(host, port);
      };
      const error = await sendResults(
        [serviceResult],
        options({ host: '127.0.0.1', port: 1 }, { encryption: 4, connect: counting }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedEncryptionError);
      expect((error as Error).message).toMatch(/4 \(CAST-128\).*legacy provider.*--openssl-legacy-provider/s);
      expect(connects).toBe(0);
    },
  );
});

describe('one connection, many results', () => {
  it('1,000 results over one connection all land, in order', async () => {
    const nsca = await server(14);
    let connections = 0;
    const counting: ConnectFunction = (host, port) => {
      connections++;
      return connectTcp(host, port);
    };
    const results = Array.from({ length: 1000 }, (_, i): PassiveCheckResult => ({
      host: `host-${i % 7}`,
      service: 'seq',
      status: i % 4,
      output: `result ${i}`,
    }));
    const report = await sendResults(results, options(nsca, { encryption: 14, connect: counting, timeoutMs: 20_000 }));
    expect(report.sent).toBe(1000);
    expect(connections).toBe(1);
    const lines = await nsca.waitForLines(1000, 25_000);
    expect(lines.map(withoutTimestamp)).toEqual(
      results.map((r) => `PROCESS_SERVICE_CHECK_RESULT;${r.host};seq;${r.status};${r.output}`),
    );
  });

  it('writes every packet whole, in one write of 4304 bytes', async () => {
    const nsca = await server(3);
    const writes: number[] = [];
    const watching: ConnectFunction = (host, port) => {
      const socket = connectTcp(host, port);
      const write = socket.write.bind(socket) as (chunk: Buffer, cb?: (error?: Error | null) => void) => boolean;
      socket.write = ((chunk: Buffer, cb?: (error?: Error | null) => void) => {
        writes.push(chunk.length);
        return write(chunk, cb);
      }) as Socket['write'];
      return socket;
    };
    await sendResults([serviceResult, hostResult, serviceResult], options(nsca, { encryption: 3, connect: watching }));
    expect(writes).toEqual([DATA_PACKET_BYTES, DATA_PACKET_BYTES, DATA_PACKET_BYTES]);
    await nsca.waitForLines(3);
  });

  it('cuts an over-long output on a character boundary, visibly, and it lands so', async () => {
    const nsca = await server(1);
    const output = 'é'.repeat(3000); // 6000 bytes of two-byte characters
    const report = await sendResults([{ ...serviceResult, output }], options(nsca));
    expect(report.truncated).toBe(1);
    const [line] = await nsca.waitForLines(1);
    const landed = withoutTimestamp(line ?? '')
      .split(';')
      .slice(4)
      .join(';');
    expect(landed.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(Buffer.byteLength(landed)).toBeLessThanOrEqual(4095);
    expect(landed).not.toContain('\uFFFD');
    expect(landed.slice(0, -TRUNCATION_MARKER.length)).toBe('é'.repeat((4095 - TRUNCATION_MARKER.length - 1) / 2));
  });
});

describe('a wrong password or method becomes visible', () => {
  it('a wrong password: nothing lands and the client reports a rejection', async () => {
    const nsca = await server(3, 'the server password');
    const error = await sendResults(
      [serviceResult],
      options(nsca, { encryption: 3, password: 'not the password' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaRejectedError);
    expect((error as NscaRejectedError).message).toMatch(/password or encryption method/);
    expect((error as NscaRejectedError).written).toBe(1);
    // Give the server every chance to write something it should not.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await nsca.readCommandFile()).toEqual([]);
  });

  it('a wrong method on a bigger batch: closed while sending or rejected, never success', async () => {
    const nsca = await server(14);
    const results = Array.from({ length: 2000 }, (_, i): PassiveCheckResult => ({ ...serviceResult, output: `n${i}` }));
    const error = await sendResults(results, options(nsca, { encryption: 3 })).catch((e: unknown) => e);
    expect(error instanceof NscaRejectedError || error instanceof NscaClosedEarlyError).toBe(true);
    const typed = error as NscaRejectedError | NscaClosedEarlyError;
    expect(typed.total).toBe(2000);
    expect(typed.message).toMatch(/password or encryption method/);
    expect(await nsca.readCommandFile()).toEqual([]);
  });
});

describe('servers that are not there or do not answer', () => {
  const listeners: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const l of listeners) l.close();
  });
  async function listener(onConnection: (socket: Socket) => void): Promise<number> {
    const srv = createServer((socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    listeners.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const address = srv.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }
  let silentPort = 0;
  beforeAll(async () => {
    silentPort = await listener(() => undefined);
  });

  it('nobody listening: a refused-connection error at once', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await sendResults([serviceResult], options({ host: '127.0.0.1', port })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaConnectionRefusedError);
    expect((error as Error).message).toContain(`127.0.0.1:${port} refused the connection`);
    expect((error as NscaConnectionRefusedError).written).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a listener that never greets: a timeout naming the greeting step, within the timeout', async () => {
    const started = Date.now();
    const error = await sendResults(
      [serviceResult, hostResult],
      options({ host: '127.0.0.1', port: silentPort }, { timeoutMs: 400 }),
    ).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(NscaTimeoutError);
    expect((error as NscaTimeoutError).step).toBe('greeting');
    expect((error as Error).message).toMatch(/0\.4 s waiting for its greeting/);
    expect((error as NscaTimeoutError).written).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(3000);
  });

  it('a listener that hangs up at once (as nsca does for hosts.deny): closed before the greeting', async () => {
    const port = await listener((socket) => socket.end());
    const error = await sendResults([serviceResult], options({ host: '127.0.0.1', port })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaClosedEarlyError);
    expect((error as NscaClosedEarlyError).during).toBe('greeting');
    expect((error as Error).message).toMatch(/before sending its greeting.*hosts\.allow/s);
  });

  it('a greeting cut short: closed before the greeting, with the byte count', async () => {
    const port = await listener((socket) => socket.end(Buffer.alloc(100)));
    const error = await sendResults([serviceResult], options({ host: '127.0.0.1', port })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaClosedEarlyError);
    expect((error as Error).message).toContain('100 of its 132 bytes received');
  });

  it('a server that hangs up after the first packet while more are being sent: closed early, with the count', async () => {
    const port = await listener((socket) => {
      socket.write(Buffer.alloc(132));
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // As nsca does on a packet it cannot decrypt; the unread rest makes the kernel send a reset.
        if (received >= DATA_PACKET_BYTES) socket.destroy();
      });
    });
    const results = Array.from({ length: 3000 }, (): PassiveCheckResult => serviceResult);
    const error = await sendResults(results, options({ host: '127.0.0.1', port }, { encryption: 0 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NscaClosedEarlyError);
    const closed = error as NscaClosedEarlyError;
    expect(closed.during).toBe('sending');
    expect(closed.written).toBeLessThan(3000);
    expect(closed.message).toMatch(
      new RegExp(
        `after ${closed.written} of 3000 results had been written .*password or encryption method.*Assume none of the 3000 results was accepted`,
        's',
      ),
    );
  });

  it('a server that greets, then stops reading: a write timeout with how far it got', async () => {
    const port = await listener((socket) => {
      socket.write(Buffer.alloc(132));
      socket.pause(); // never reads: the kernel buffers fill, then writes must wait
    });
    const results = Array.from({ length: 3000 }, (): PassiveCheckResult => serviceResult);
    const error = await sendResults(
      results,
      options({ host: '127.0.0.1', port }, { encryption: 0, timeoutMs: 500 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaTimeoutError);
    const timeout = error as NscaTimeoutError;
    expect(timeout.step).toBe('write');
    expect(timeout.written).toBeGreaterThan(0);
    expect(timeout.written).toBeLessThan(3000);
    expect(timeout.message).toContain(`writing result ${timeout.written + 1} of 3000`);
  });
});

describe('results that would land wrong are refused before anything is sent', () => {
  const cases: [string, PassiveCheckResult, RegExp][] = [
    ['a ";" in the host', { ...serviceResult, host: 'web;evil' }, /host contains ";"/],
    ['a ";" in the service', { ...serviceResult, service: 'TCP;Wrappers' }, /service contains ";"/],
    ['a newline in the host', { ...serviceResult, host: 'web\nevil' }, /host contains a newline/],
    ['a newline in the service', { ...serviceResult, service: 'TCP\nWrappers' }, /service contains a newline/],
    [
      'a host longer than 63 bytes',
      { ...serviceResult, host: 'h'.repeat(64) },
      /host is 64 bytes long; NSCA carries at most 63/,
    ],
  ];
  for (const [name, bad, message] of cases) {
    it(name, async () => {
      const nsca = await server(1);
      let connects = 0;
      const counting: ConnectFunction = (host, port) => {
        connects++;
        return connectTcp(host, port);
      };
      const error = await sendResults([serviceResult, bad], options(nsca, { connect: counting })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidResultError);
      expect((error as InvalidResultError).index).toBe(1);
      expect((error as Error).message).toMatch(message);
      expect(connects).toBe(0);
      expect(await nsca.readCommandFile()).toEqual([]);
    });
  }
});

describe('delivered means the server proved it read everything', () => {
  const listeners: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const l of listeners) l.close();
  });
  /** A fake receiver that keeps its side open after our half-close unless it says otherwise. */
  async function halfOpenListener(onConnection: (socket: Socket) => void): Promise<number> {
    const srv = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    listeners.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const address = srv.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  it('a server that greets and never reads: not confirmed within the timeout, with how many it took', async () => {
    const port = await halfOpenListener((socket) => {
      socket.write(Buffer.alloc(132));
      socket.pause();
    });
    const started = Date.now();
    const error = await sendResults(
      [serviceResult, hostResult, serviceResult],
      options({ host: '127.0.0.1', port }, { encryption: 0, timeoutMs: 400, lingerMs: 0 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaUnconfirmedError);
    expect((error as NscaUnconfirmedError).written).toBe(3);
    expect((error as NscaUnconfirmedError).message).toBe(
      'NSCA receiver took 3 results but did not confirm reading them within 0.4 s: overloaded or wedged?',
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a server that reads every packet but does not close after our end of stream: not confirmed', async () => {
    let received = 0;
    const port = await halfOpenListener((socket) => {
      socket.write(Buffer.alloc(132));
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
    });
    const error = await sendResults(
      [serviceResult, serviceResult],
      options({ host: '127.0.0.1', port }, { encryption: 0, timeoutMs: 300, lingerMs: 0 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NscaUnconfirmedError);
    expect(received).toBe(2 * DATA_PACKET_BYTES);
  });

  it('a server that reads to our end of stream and then closes: confirmed', async () => {
    let received = 0;
    const port = await halfOpenListener((socket) => {
      socket.write(Buffer.alloc(132));
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.on('end', () => socket.end());
    });
    const report = await sendResults(
      [serviceResult, hostResult],
      options({ host: '127.0.0.1', port }, { encryption: 0, lingerMs: 0 }),
    );
    expect(report.sent).toBe(2);
    expect(received).toBe(2 * DATA_PACKET_BYTES);
    expect(report.greetingRttMs).toBeGreaterThan(0);
  });

  it('a lone packet hung up on within the watch is a rejection, not a delivery', async () => {
    const port = await halfOpenListener((socket) => {
      socket.write(Buffer.alloc(132));
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // As nsca does on a packet it cannot decrypt, after a short decryption time.
        if (received >= DATA_PACKET_BYTES) setTimeout(() => socket.end(), 3);
      });
    });
    const error = await sendResults([serviceResult], options({ host: '127.0.0.1', port }, { encryption: 0 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NscaRejectedError);
  });

  it('the rejection watch grows with the greeting round trip, from a floor, up to the cap', () => {
    expect(rejectionWatchMs(0.3, 300)).toBe(REJECTION_WATCH_FLOOR_MS + Math.ceil(REJECTION_WATCH_ROUND_TRIPS * 0.3));
    expect(rejectionWatchMs(30, 300)).toBe(REJECTION_WATCH_FLOOR_MS + REJECTION_WATCH_ROUND_TRIPS * 30);
    expect(rejectionWatchMs(500, 300)).toBe(300);
  });

  it('an abort (shutdown) ends a delivery waiting for the proof at once', async () => {
    const port = await halfOpenListener((socket) => {
      socket.write(Buffer.alloc(132));
      socket.pause();
    });
    const controller = new AbortController();
    const pending = sendResults(
      [serviceResult],
      options(
        { host: '127.0.0.1', port },
        { encryption: 0, timeoutMs: 10_000, lingerMs: 0, signal: controller.signal },
      ),
    ).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    controller.abort();
    expect(await pending).toBeInstanceOf(NscaAbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
