import type { Socket } from 'node:net';
import { realScheduler, type Scheduler } from '../../time/scheduler.js';

/**
 * A socket's events turned into state that can be awaited with a deadline: "connected, or
 * failed, within 10 s", "132 bytes, or a hang-up, within 10 s". Each wait re-checks its
 * condition on every event, so no event is missed between two waits.
 */

/** How the peer ended the connection: a clean FIN, or an error such as ECONNRESET. */
export type Hangup =
  { readonly how: 'end' } | { readonly how: 'close' } | { readonly how: 'error'; readonly error: Error };

export class SocketSession {
  connected = false;
  private firstHangup: Hangup | null = null;
  /** A failure before the connection was established. */
  connectError: Error | null = null;
  closed = false;
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly socket: Socket,
    private readonly scheduler: Scheduler = realScheduler,
  ) {
    socket.on('connect', () => {
      this.connected = true;
      this.wake();
    });
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
      this.wake();
    });
    socket.on('end', () => {
      this.noteHangup({ how: 'end' });
    });
    socket.on('error', (error: Error) => {
      if (!this.connected) this.connectError ??= error;
      this.noteHangup({ how: 'error', error });
    });
    socket.on('close', () => {
      this.closed = true;
      this.noteHangup({ how: 'close' });
    });
    socket.on('drain', () => {
      this.wake();
    });
  }

  /**
   * The first sign that the connection is over, kept even after later events. A method, not a
   * field, because it changes between awaits (a field would be narrowed by the compiler).
   */
  hangup(): Hangup | null {
    return this.firstHangup;
  }

  /** The error the connection ended with (ECONNRESET, EPIPE...), if it ended with one. */
  hangupError(): Error | undefined {
    return this.firstHangup?.how === 'error' ? this.firstHangup.error : undefined;
  }

  get available(): number {
    return this.bufferedBytes;
  }

  /** Takes exactly `n` buffered bytes (the caller made sure they are there). */
  take(n: number): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    const rest = all.subarray(n);
    if (rest.length > 0) this.chunks.push(rest);
    this.bufferedBytes = rest.length;
    return all.subarray(0, n);
  }

  /** Resolves true once `condition()` holds, false if `timeoutMs` passes first. */
  until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (met: boolean): void => {
        timer.cancel();
        this.wakers.delete(check);
        resolve(met);
      };
      const check = (): void => {
        if (condition()) finish(true);
      };
      const timer = this.scheduler.timeout(() => {
        finish(condition());
      }, timeoutMs);
      this.wakers.add(check);
    });
  }

  /** Re-checks the waiters after the caller changed state they look at (e.g. a write callback). */
  notify(): void {
    this.wake();
  }

  private noteHangup(hangup: Hangup): void {
    this.firstHangup ??= hangup;
    this.wake();
  }

  private wake(): void {
    for (const check of [...this.wakers]) check();
  }

  /** Ends the socket for good; safe to call more than once. */
  destroy(): void {
    this.socket.destroy();
  }
}
