import { randomBytes } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { realScheduler, type Scheduler, type Timer } from '../../time/scheduler.js';
import { classifySessionError, NscaNgSessionError, type NscaNgTarget } from './errors.js';

/**
 * One NSCA-ng session: TLS 1.2 with a pre-shared key, `MOIN 1 <id>` → `MOIN 1`, then per command
 * `PUSH <bytes>` → `OKAY`, the command → `OKAY` | `FAIL …`, and `QUIT` → `OKAY` at the end.
 * The server may send `BAIL …` at any time (it does after `timeout` seconds of silence,
 * default 60) and then closes.
 *
 * Requests go one at a time, with one exception. Measured against nsca-ng 1.6: command bytes
 * that arrive in the same read as their PUSH line are not looked at until the client sends
 * more (the session stalls until the idle timeout), but a PUSH line that follows command bytes
 * in one write is read at once. So a command is written together with the next result's PUSH,
 * and one round trip (two replies: the command's verdict, then the next PUSH's) carries each
 * result instead of two.
 *
 * TLS 1.2, not 1.3: with 1.3 the server's reply to MOIN takes ~43 ms (measured), with 1.2 ~1 ms.
 */

/** PSK suites nsca-ng offers (its default is `PSK-AES256-CBC-SHA`, which PROTOCOL requires). */
const PSK_CIPHERS = 'PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305:PSK-AES256-CBC-SHA:PSK';

export type Reply =
  | { readonly kind: 'okay' }
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'bail'; readonly message: string };

export interface SessionOptions extends NscaNgTarget {
  readonly password: string;
  readonly timeoutMs: number;
  /** The per-step timer; the real one when absent. */
  readonly scheduler?: Scheduler;
}

export class NscaNgSession {
  private readonly lines: string[] = [];
  private partial = '';
  private waiter: (() => void) | null = null;
  private ended: Error | 'end' | null = null;
  private secure = false;
  /** A PUSH already sent ahead for the next command, with the server's answer to it. */
  private announced: { readonly length: number; readonly reply: Reply } | null = null;
  private unusable = false;
  private timer: Timer | null = null;
  private timedOut = false;
  /** The server sent BAIL (and will close): the session cannot carry more. */
  bail: string | null = null;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly options: SessionOptions,
  ) {
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      this.secure = true;
      this.wake();
    });
    socket.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const part of parts) {
        const line = part.replace(/\r$/, '');
        if (line.startsWith('BAIL')) this.bail = line.slice(5);
        this.lines.push(line);
      }
      this.wake();
    });
    socket.on('end', () => {
      this.finish('end');
    });
    socket.on('error', (error: Error) => {
      this.finish(error);
    });
    socket.on('close', () => {
      this.finish('end');
    });
  }

  /** Connects, completes the handshake and MOIN; throws NscaNgSessionError with the reason. */
  static async open(options: SessionOptions): Promise<NscaNgSession> {
    const psk = Buffer.from(options.password, 'utf8');
    const socket = tlsConnect({
      host: options.host,
      port: options.port,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: PSK_CIPHERS,
      pskCallback: () => ({ identity: options.identity, psk }),
      // A PSK session has no certificate: the shared key is what authenticates the server.
      checkServerIdentity: () => undefined,
    });
    const session = new NscaNgSession(socket, options);
    try {
      await session.until(() => session.secure, 'handshake');
      socket.setNoDelay(true);
      const reply = await session.request(`MOIN 1 ${randomBytes(12).toString('base64url')}`, 'MOIN');
      if (!reply.startsWith('MOIN')) {
        throw new NscaNgSessionError(
          'rejected',
          `NSCA-ng server ${options.endpoint} refused the session: it answered "${reply}" to MOIN 1 (a version this client does not speak?)`,
        );
      }
      return session;
    } catch (error) {
      session.destroy();
      throw error;
    }
  }

  get alive(): boolean {
    return this.ended === null && this.bail === null && !this.unusable;
  }

  /**
   * Pushes one command and returns the server's verdict on it. `nextLength`: the size of the
   * command the next call will push; its PUSH goes out with this command's bytes, and the next
   * call then writes only its bytes. After a verdict other than OKAY the session is left
   * unusable (the server may be waiting for the announced bytes): open a new one.
   */
  async push(command: Buffer, nextLength?: number): Promise<Reply> {
    if (this.announced === null) {
      const verdict = parseReply(await this.request(`PUSH ${command.length}`, 'PUSH'));
      if (verdict.kind !== 'okay') return verdict;
    } else if (this.announced.length !== command.length) {
      throw new Error(`bug: PUSH announced ${this.announced.length} bytes, the command has ${command.length}`);
    } else if (this.announced.reply.kind !== 'okay') {
      const refused = this.announced.reply;
      this.announced = null;
      return refused;
    }
    this.announced = null;
    this.socket.write(
      nextLength === undefined ? command : Buffer.concat([command, Buffer.from(`PUSH ${nextLength}\r\n`, 'latin1')]),
    );
    const verdict = parseReply(await this.next('command'));
    if (nextLength !== undefined) {
      if (verdict.kind !== 'okay') {
        this.unusable = true;
        return verdict;
      }
      this.announced = { length: nextLength, reply: parseReply(await this.next('PUSH')) };
    }
    return verdict;
  }

  /** Ends the session politely; errors are ignored (the results were already confirmed). */
  async quit(): Promise<void> {
    if (this.alive && this.announced === null) {
      try {
        await this.request('QUIT', 'QUIT');
      } catch {
        // Closing anyway.
      }
    }
    this.socket.end();
    this.destroy();
  }

  destroy(): void {
    this.timer?.cancel();
    this.socket.destroy();
  }

  private async request(line: string, step: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.next(step);
  }

  private async next(step: string): Promise<string> {
    await this.until(() => this.lines.length > 0, step);
    return this.lines.shift() ?? '';
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private finish(how: Error | 'end'): void {
    this.ended ??= how;
    this.wake();
  }

  /**
   * Waits for `ready`; throws a classified error on a hang-up or after the timeout. One timer
   * per session, restarted for each wait: a timer per reply cost measurably at 20,000 replies.
   */
  private async until(ready: () => boolean, step: string): Promise<void> {
    if (ready()) return;
    this.timedOut = false;
    if (this.timer === null) {
      this.timer = (this.options.scheduler ?? realScheduler)
        .timeout(() => {
          this.timedOut = true;
          this.wake();
        }, this.options.timeoutMs)
        .unref();
    } else {
      this.timer.refresh();
    }
    for (;;) {
      if (ready()) return;
      if (this.ended !== null) throw classifySessionError(this.ended, step, this.bail, this.options);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the timer while we awaited
      if (this.timedOut) throw classifySessionError('timeout', step, this.bail, this.options);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}

function parseReply(line: string): Reply {
  if (line.startsWith('OKAY')) return { kind: 'okay' };
  if (line.startsWith('BAIL')) return { kind: 'bail', message: line.slice(5) };
  return { kind: 'fail', message: line.startsWith('FAIL') ? line.slice(5) : line };
}
