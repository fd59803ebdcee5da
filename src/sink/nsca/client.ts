import { connect as netConnect, isIPv6, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { DuplexOptions } from 'node:stream';
import { realScheduler, type Scheduler } from '../../time/scheduler.js';
import { assertEncryptionMethod, createPacketCipher } from './ciphers.js';
import {
  errnoCode,
  NscaAbortedError,
  NscaClosedEarlyError,
  NscaConnectError,
  NscaConnectionRefusedError,
  NscaRejectedError,
  NscaTimeoutError,
  NscaUnconfirmedError,
  type NscaProgress,
} from './errors.js';
import type { PreparedResult } from './fields.js';
import { decodeInitPacket, INIT_PACKET_BYTES, PacketArena, type PaddingFill } from './packet.js';
import { SocketSession, type Hangup } from './socket-session.js';

/**
 * Delivers a batch of results over one NSCA connection and proves that the server read them.
 *
 * NSCA has no acknowledgement, but the server has one behaviour that serves as one: it reads
 * packets until it reads the client's end of stream, and only then closes. So: connect, read
 * the greeting, write one packet per result (each in a single write), half-close (`end()`), and
 * wait for the server's close. A close after our half-close proves it read and handled every
 * packet before it; no close within the timeout proves nothing, and the batch counts as not
 * delivered (NscaUnconfirmedError).
 *
 * A rejection (wrong password or method) is the server closing right after the first packet,
 * which it cannot decrypt, before our end of stream. That close looks just like the confirming
 * one, so the half-close waits until a rejection watch has passed since the first packet went
 * out, sized from the round trip measured for the greeting: a close within it is a rejection. A
 * batch that takes longer to write than the watch (or a stream kept open) waits nothing extra.
 * Tried and dropped: counting on the kernel's reset for packets left unread. Linux may hold a
 * second small packet back until the first is acknowledged (autocorking), nsca closes before it
 * arrives, and the client sees a clean close; seen against the real nsca with 3DES.
 *
 * Failures are typed (see errors.ts) and carry `written`/`total`; retrying with backoff is the
 * caller's job.
 */

/** Opens the TCP connection; injectable so tests can watch or disturb the socket. */
export type ConnectFunction = (host: string, port: number) => Socket;

/**
 * A larger write buffer than the default 16 KiB: about 60 packets are queued before the sender
 * waits for 'drain', instead of 4 (each wait costs a timer).
 */
const WRITE_BUFFER_BYTES = 256 * 1024;

export const connectTcp: ConnectFunction = (host, port) => {
  // net.Socket hands stream options on to its Duplex; @types/node does not list them for connect().
  const options: TcpNetConnectOpts & Pick<DuplexOptions, 'writableHighWaterMark'> = {
    host,
    port,
    writableHighWaterMark: WRITE_BUFFER_BYTES,
  };
  return netConnect(options);
};

/**
 * The rejection watch, counted from the first packet: long enough for the server to decrypt one
 * packet and hang up, short enough not to slow down `send`. Measured on the
 * Debian nsca over loopback: the greeting arrives 0.2-0.7 ms after the connect, and a rejected
 * packet is hung up on 0.1-0.3 ms (XOR), 0.7 ms (RIJNDAEL-128) and 1.5-5.6 ms (3DES) after it
 * was written, more on a loaded machine. So: a floor for the decryption, plus a few greeting
 * round trips for the network (a remote server is further away for both).
 */
export const REJECTION_WATCH_FLOOR_MS = 10;

/** Packets handed to the kernel in one writev: 16 x 4304 bytes, within one loopback segment. */
const PACKETS_PER_WRITE = 16;
export const REJECTION_WATCH_ROUND_TRIPS = 4;

export function rejectionWatchMs(greetingRttMs: number, capMs: number): number {
  return Math.min(capMs, Math.ceil(REJECTION_WATCH_FLOOR_MS + REJECTION_WATCH_ROUND_TRIPS * greetingRttMs));
}

export interface NscaClientOptions {
  readonly host: string;
  readonly port: number;
  /** NSCA method number: 0, 1, 2, 3, 4, 8 or 14 (see ciphers.ts). */
  readonly encryption: number;
  readonly password: string | Uint8Array;
  /**
   * Limit for each step on its own: connecting, the greeting, each write that must wait, and
   * the server's close after our half-close (its proof of having read everything).
   */
  readonly timeoutMs: number;
  /**
   * With a stream: how long the connection stays open, idle, for more results before it is
   * half-closed and confirmed. Also the most the rejection watch may last.
   */
  readonly lingerMs: number;
  readonly connect?: ConnectFunction;
  /** Per-step timers and the linger clock; the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** What fills each packet around the fields; send_nsca-style random by default. */
  readonly padding?: PaddingFill;
  /**
   * Called once the connection takes no more results and every packet is written, before the
   * wait for the server's confirmation: the caller may start the next delivery then.
   */
  readonly onWritten?: () => void;
  /** Keep the connection open for results that come while it is (see ResultStream). */
  readonly stream?: ResultStream;
  /** Ends the delivery at once (shutdown): it fails with NscaAbortedError, nothing confirmed. */
  readonly signal?: AbortSignal;
}

/**
 * Results that arrive while a connection is open go out on it at once instead of waiting for
 * the next connection. The connection ends once it has been idle for `lingerMs`, or after
 * `maxResults` results or `maxOpenMs`, so that confirmations, and with them checkpoint commits,
 * keep coming.
 */
export interface ResultStream {
  /** Hands over results to write now (removes them from the caller's queue); empty when none. */
  take(): readonly PreparedResult[];
  /** Registers what the caller calls when it has results for `take()`. */
  subscribe(wake: () => void): void;
  readonly maxResults: number;
  readonly maxOpenMs: number;
}

export interface SendReport {
  /** Results written and confirmed: the server read them all and closed after our half-close. */
  readonly sent: number;
  /** Results whose output was cut to 4095 bytes. */
  readonly truncated: number;
  /** The server's clock from its greeting (UNIX seconds). */
  readonly serverTime: number;
  /** From the connect to the complete greeting, in ms: the yardstick of the rejection watch. */
  readonly greetingRttMs: number;
}

export function formatEndpoint(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeHangup(hangup: Hangup | null): string {
  if (hangup === null) return 'connection lost';
  if (hangup.how === 'error') return errnoCode(hangup.error) ?? hangup.error.message;
  return 'the server closed it';
}

/** Sends results that already passed the field rules (see fields.ts) over one connection. */
export async function sendPrepared(
  results: readonly PreparedResult[],
  options: NscaClientOptions,
): Promise<SendReport> {
  // A method this process cannot do is a configuration error: fail before touching the network.
  assertEncryptionMethod(options.encryption);
  let truncated = results.filter((r) => r.truncated).length;
  if (results.length === 0) return { sent: 0, truncated, serverTime: 0, greetingRttMs: 0 };

  const { timeoutMs, lingerMs, signal } = options;
  const endpoint = formatEndpoint(options.host, options.port);
  let total = results.length;
  let written = 0;
  const progress = (): NscaProgress => ({ endpoint, written, total });
  if (signal?.aborted) throw new NscaAbortedError(progress());

  const startedAt = performance.now();
  const scheduler = options.scheduler ?? realScheduler;
  const session = new SocketSession((options.connect ?? connectTcp)(options.host, options.port), scheduler);
  const socket = session.socket;
  const abort = (): void => {
    session.destroy();
  };
  signal?.addEventListener('abort', abort);
  try {
    const step = async (condition: () => boolean, ms: number): Promise<boolean> => {
      const met = await session.until(() => condition() || signal?.aborted === true, ms);
      if (signal?.aborted) throw new NscaAbortedError(progress());
      return met;
    };
    if (!(await step(() => session.connected || session.hangup() !== null, timeoutMs))) {
      throw new NscaTimeoutError('connect', timeoutMs, progress());
    }
    if (!session.connected) {
      const cause = session.connectError ?? new Error(describeHangup(session.hangup()));
      throw errnoCode(cause) === 'ECONNREFUSED'
        ? new NscaConnectionRefusedError(progress(), cause)
        : new NscaConnectError(progress(), cause);
    }
    // Nagle's algorithm would hold a packet back until the previous one is acknowledged.
    socket.setNoDelay(true);

    if (!(await step(() => session.available >= INIT_PACKET_BYTES || session.hangup() !== null, timeoutMs))) {
      throw new NscaTimeoutError('greeting', timeoutMs, progress());
    }
    if (session.available < INIT_PACKET_BYTES) {
      const detail = `${session.available} of its ${INIT_PACKET_BYTES} bytes received; ${describeHangup(session.hangup())}`;
      throw new NscaClosedEarlyError('greeting', progress(), detail, session.hangupError());
    }
    const greetingRttMs = performance.now() - startedAt;
    const init = decodeInitPacket(session.take(INIT_PACKET_BYTES));
    const cipher = createPacketCipher(options.encryption, options.password, init.iv);
    const packets = new PacketArena(options.padding);

    const closedWhileSending = (): NscaClosedEarlyError =>
      new NscaClosedEarlyError('sending', progress(), describeHangup(session.hangup()), session.hangupError());
    const onWritten = (error?: Error | null): void => {
      if (!error) written++;
      session.notify();
    };
    let firstWriteAt: number | null = null;
    const writeAll = async (batch: readonly PreparedResult[]): Promise<void> => {
      let corked = 0;
      for (const result of batch) {
        if (session.hangup() !== null) throw closedWhileSending();
        // Whole packets only, several per system call (writev): the single-process nsca can stall
        // on a packet that arrives in pieces far apart, and 10,000 write calls cost more than the
        // server's own work.
        const packet = cipher.encrypt(packets.encode(result, init.timestamp));
        firstWriteAt ??= performance.now();
        if (corked === 0 && batch.length > 1) socket.cork();
        const room = socket.write(packet, onWritten);
        if (batch.length > 1 && (++corked === PACKETS_PER_WRITE || !room)) {
          socket.uncork();
          corked = 0;
        }
        if (!room) {
          if (!(await step(() => !socket.writableNeedDrain || session.hangup() !== null, timeoutMs))) {
            throw new NscaTimeoutError('write', timeoutMs, progress());
          }
        }
      }
      if (corked > 0) socket.uncork();
      if (!(await step(() => written === total || session.hangup() !== null, timeoutMs))) {
        throw new NscaTimeoutError('write', timeoutMs, progress());
      }
      if (session.hangup() !== null) throw closedWhileSending();
    };
    const rejected = (detail: string): NscaRejectedError =>
      new NscaRejectedError(progress(), `${detail} (${describeHangup(session.hangup())})`, session.hangupError());

    await writeAll(results);
    const stream = options.stream;
    if (stream) {
      let more = false;
      stream.subscribe(() => {
        more = true;
        session.notify();
      });
      const openedAt = scheduler.now();
      while (total < stream.maxResults && scheduler.now() - openedAt < stream.maxOpenMs) {
        more = false;
        const next = stream.take();
        if (next.length > 0) {
          total += next.length;
          truncated += next.filter((r) => r.truncated).length;
          await writeAll(next);
          continue;
        }
        const woken = await step(() => more || session.hangup() !== null, lingerMs);
        if (session.hangup() !== null) throw rejected('it closed the connection before our end of stream');
        if (!woken) break;
      }
    }
    options.onWritten?.();
    // A rejection looks like the confirming close unless it comes before our end of stream: give it time to.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set in writeAll, which the compiler does not follow
    const watchLeft = (firstWriteAt ?? 0) + rejectionWatchMs(greetingRttMs, lingerMs) - performance.now();
    if (watchLeft > 0) await step(() => session.hangup() !== null, watchLeft);
    if (session.hangup() !== null)
      throw rejected('it closed the connection after our packets, before our end of stream');

    // The proof: the server reads to our end of stream, then closes.
    socket.end();
    const closed = await step(() => session.hangup() !== null, timeoutMs);
    if (!closed) throw new NscaUnconfirmedError(progress(), timeoutMs);
    // A close with our packets still unread makes the kernel send a reset: the server gave up mid-stream.
    const reset = session.hangupError();
    if (reset) throw rejected('it reset the connection instead of reading it to the end');
    return { sent: written, truncated, serverTime: init.timestamp, greetingRttMs };
  } finally {
    signal?.removeEventListener('abort', abort);
    session.destroy();
  }
}
