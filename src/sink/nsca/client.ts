import { connect as netConnect, isIPv6, type Socket } from 'node:net';
import type { PassiveCheckResult, ReceiverSettings } from '../../types.js';
import { assertEncryptionMethod, createPacketCipher } from './ciphers.js';
import {
  errnoCode,
  NscaClosedEarlyError,
  NscaConnectError,
  NscaConnectionRefusedError,
  NscaRejectedError,
  NscaTimeoutError,
  type NscaProgress,
} from './errors.js';
import { prepareResult, type PreparedResult } from './fields.js';
import { decodeInitPacket, encodeDataPacket, INIT_PACKET_BYTES, randomPrintablePadding, type PaddingFill } from './packet.js';
import { SocketSession, type Hangup } from './socket-session.js';

/**
 * Delivers a batch of results over one NSCA connection: connect, read the server's greeting,
 * write one packet per result (each in a single write), then watch briefly for a hang-up before
 * closing. NSCA has no acknowledgement; the only signal the server ever gives is closing the
 * connection after a packet it cannot decrypt, so that is what this client watches for.
 *
 * Failures are typed (see errors.ts) and carry `written`/`total`; retrying with backoff is the
 * caller's job.
 */

/** Opens the TCP connection; injectable so tests can watch or disturb the socket. */
export type ConnectFunction = (host: string, port: number) => Socket;

export const connectTcp: ConnectFunction = (host, port) => netConnect({ host, port });

export interface NscaClientOptions {
  readonly host: string;
  readonly port: number;
  /** NSCA method number: 0, 1, 2, 3, 4, 8 or 14 (see ciphers.ts). */
  readonly encryption: number;
  readonly password: string | Uint8Array;
  /** Limit for each step on its own: connecting, the greeting, each write that must wait. */
  readonly timeoutMs: number;
  /** After the last packet, how long a server hang-up still counts as a rejection. */
  readonly lingerMs: number;
  readonly connect?: ConnectFunction;
  /** What fills each packet around the fields; send_nsca-style random by default. */
  readonly padding?: PaddingFill;
  /**
   * Called once the connection takes no more results and every packet is written, before the
   * last linger wait: the caller may start the next delivery then.
   */
  readonly onWritten?: () => void;
  /** Keep the connection open for results that come while it is (see ResultStream). */
  readonly stream?: ResultStream;
}

/**
 * Results that arrive while a connection is open go out on it at once instead of waiting for
 * the next connection. The connection ends once it has been idle for `lingerMs` (so the last
 * packets were watched for a hang-up just as in a one-batch delivery), or after `maxResults`
 * results or `maxOpenMs`, so that confirmations, and with them checkpoint commits, keep coming.
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
  /** Results written to the connection (all of the batch). */
  readonly sent: number;
  /** Results whose output was cut to 4095 bytes. */
  readonly truncated: number;
  /** The server's clock from its greeting (UNIX seconds). */
  readonly serverTime: number;
  /**
   * The server read the connection to its end and closed it cleanly within the timeout. That
   * proves it accepted every packet but perhaps the last; `false` only means it was still busy
   * (a slow cipher and a big batch), not that anything failed.
   */
  readonly drained: boolean;
}

export function clientOptionsFromConfig(nsca: Pick<ReceiverSettings, 'host' | 'port' | 'encryption' | 'password' | 'timeout_seconds' | 'linger_ms'>): NscaClientOptions {
  return {
    host: nsca.host,
    port: nsca.port,
    encryption: nsca.encryption,
    password: nsca.password,
    timeoutMs: nsca.timeout_seconds * 1000,
    lingerMs: nsca.linger_ms,
  };
}

export function formatEndpoint(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeHangup(hangup: Hangup | null): string {
  if (hangup === null) return 'connection lost';
  if (hangup.how === 'error') return errnoCode(hangup.error) ?? hangup.error.message;
  return 'the server closed it';
}

/**
 * Checks every result first (InvalidResultError names the first bad one; nothing is sent),
 * then sends them all over one connection.
 */
export async function sendResults(results: readonly PassiveCheckResult[], options: NscaClientOptions): Promise<SendReport> {
  const prepared = results.map((result, index) => prepareResult(result, index));
  return sendPrepared(prepared, options);
}

/** Sends results that already passed the field rules (see fields.ts) over one connection. */
export async function sendPrepared(results: readonly PreparedResult[], options: NscaClientOptions): Promise<SendReport> {
  // A method this process cannot do is a configuration error: fail before touching the network.
  assertEncryptionMethod(options.encryption);
  let truncated = results.filter((r) => r.truncated).length;
  if (results.length === 0) return { sent: 0, truncated, serverTime: 0, drained: false };

  const { timeoutMs, lingerMs } = options;
  const endpoint = formatEndpoint(options.host, options.port);
  let total = results.length;
  let written = 0;
  const progress = (): NscaProgress => ({ endpoint, written, total });

  const session = new SocketSession((options.connect ?? connectTcp)(options.host, options.port));
  const socket = session.socket;
  try {
    if (!(await session.until(() => session.connected || session.hangup() !== null, timeoutMs))) {
      throw new NscaTimeoutError('connect', timeoutMs, progress());
    }
    if (!session.connected) {
      const cause = session.connectError ?? new Error(describeHangup(session.hangup()));
      throw errnoCode(cause) === 'ECONNREFUSED' ? new NscaConnectionRefusedError(progress(), cause) : new NscaConnectError(progress(), cause);
    }
    // Nagle's algorithm would hold a packet back until the previous one is acknowledged.
    socket.setNoDelay(true);

    if (!(await session.until(() => session.available >= INIT_PACKET_BYTES || session.hangup() !== null, timeoutMs))) {
      throw new NscaTimeoutError('greeting', timeoutMs, progress());
    }
    if (session.available < INIT_PACKET_BYTES) {
      const detail = `${session.available} of its ${INIT_PACKET_BYTES} bytes received; ${describeHangup(session.hangup())}`;
      throw new NscaClosedEarlyError('greeting', progress(), detail, session.hangupError());
    }
    const init = decodeInitPacket(session.take(INIT_PACKET_BYTES));
    const cipher = createPacketCipher(options.encryption, options.password, init.iv);
    const padding = options.padding ?? randomPrintablePadding;

    const closedWhileSending = (): NscaClosedEarlyError =>
      new NscaClosedEarlyError('sending', progress(), describeHangup(session.hangup()), session.hangupError());
    const onWritten = (error?: Error | null): void => {
      if (!error) written++;
      session.notify();
    };
    const writeAll = async (batch: readonly PreparedResult[]): Promise<void> => {
      for (const result of batch) {
        if (session.hangup() !== null) throw closedWhileSending();
        // One write per packet: the single-process nsca can stall on a packet that arrives in pieces.
        const packet = cipher.encrypt(encodeDataPacket(result, init.timestamp, padding));
        if (!socket.write(packet, onWritten)) {
          if (!(await session.until(() => !socket.writableNeedDrain || session.hangup() !== null, timeoutMs))) {
            throw new NscaTimeoutError('write', timeoutMs, progress());
          }
        }
      }
      if (!(await session.until(() => written === total || session.hangup() !== null, timeoutMs))) {
        throw new NscaTimeoutError('write', timeoutMs, progress());
      }
      if (session.hangup() !== null) throw closedWhileSending();
    };
    const rejected = (): NscaRejectedError =>
      new NscaRejectedError(progress(), `it closed the connection within ${lingerMs} ms of the last packet (${describeHangup(session.hangup())})`);

    await writeAll(results);
    // nsca never closes a connection on its own, except right after a packet it rejects: each
    // stretch of `lingerMs` without a hang-up after the last packet confirms what was written.
    let lingered = false;
    const stream = options.stream;
    if (stream) {
      let more = false;
      stream.subscribe(() => {
        more = true;
        session.notify();
      });
      const openedAt = Date.now();
      while (total < stream.maxResults && Date.now() - openedAt < stream.maxOpenMs) {
        more = false;
        const next = stream.take();
        if (next.length > 0) {
          total += next.length;
          truncated += next.filter((r) => r.truncated).length;
          await writeAll(next);
          continue;
        }
        const woken = await session.until(() => more || session.hangup() !== null, lingerMs);
        if (session.hangup() !== null) throw rejected();
        if (!woken) {
          lingered = true;
          break;
        }
      }
    }
    options.onWritten?.();
    if (!lingered) await session.until(() => session.hangup() !== null, lingerMs);
    if (session.hangup() !== null) throw rejected();

    socket.end();
    await session.until(() => session.closed, timeoutMs);
    // A close with our packets still unread makes the kernel send a reset: the server gave up mid-stream.
    const reset = session.hangupError();
    if (reset) {
      throw new NscaRejectedError(progress(), `it reset the connection instead of reading it to the end (${describeHangup(session.hangup())})`, reset);
    }
    return { sent: written, truncated, serverTime: init.timestamp, drained: session.hangup()?.how === 'end' || session.closed };
  } finally {
    session.destroy();
  }
}
