import { execFile } from 'node:child_process';
import type { Logger } from '../types.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';
import { oneLine } from './format.js';

/**
 * Runs `systemd-notify ASSIGNMENT...` with NOTIFY_SOCKET set; resolves once it exited. Node
 * cannot open the AF_UNIX datagram socket sd_notify() needs, so each message is one short
 * child process (README "systemd integration" has the measurements behind this choice).
 */
export type NotifySender = (assignments: readonly string[]) => Promise<void>;

/** How long one systemd-notify may take: it waits for PID 1's barrier reply (5 s at most). */
const SEND_TIMEOUT_MS = 10_000;

export function systemdNotifySender(socket: string, path = 'systemd-notify'): NotifySender {
  return (assignments) =>
    new Promise((resolve, reject) => {
      execFile(
        path,
        [...assignments],
        {
          env: { NOTIFY_SOCKET: socket, PATH: process.env.PATH ?? '/usr/bin:/bin' },
          timeout: SEND_TIMEOUT_MS,
          killSignal: 'SIGKILL',
        },
        (err, _stdout, stderr) => {
          if (err === null) resolve();
          else
            reject(
              new Error(
                `${path} ${assignments.map((a) => a.split('=')[0]).join(' ')} failed: ${stderr.trim() || err.message}`,
              ),
            );
        },
      );
    });
}

/** What the service manager offered this process, read from its environment. */
export interface NotifyEnvironment {
  readonly socket: string;
  /** Ping this often (half of WatchdogSec=, as sd_watchdog_enabled() advises); null: no watchdog. */
  readonly watchdogIntervalMs: number | null;
}

export function notifyEnvironment(env: NodeJS.ProcessEnv, pid: number): NotifyEnvironment | null {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return null;
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it is not.
  const forUs = env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === '' || Number(env.WATCHDOG_PID) === pid;
  const watchdogIntervalMs = forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  return { socket, watchdogIntervalMs };
}

/** State changes are messages of their own; STATUS and WATCHDOG may ride along with anything. */
const STATE_KEYS = ['READY', 'RELOADING', 'STOPPING'];

/**
 * Tells systemd (Type=notify) what wrapwatch is doing: READY=1, RELOADING=1, STOPPING=1, the
 * STATUS= line `systemctl status` shows, and WATCHDOG=1 pings. Messages go out one at a time
 * and in order; ones waiting behind a running systemd-notify are merged where that keeps
 * their meaning (a newer STATUS replaces an older one, pings coalesce), so a slow PID 1 never
 * piles up children. A STATUS equal to the last one sent is not sent again.
 */
export class SystemdNotifier {
  private readonly queue: Map<string, string>[] = [];
  private sending: Promise<void> | null = null;
  /** The STATUS most recently queued: systemd shows it once the queue is through. */
  private lastStatus: string | null = null;
  private watchdogTimer: Timer | null = null;
  private failing = false;
  private sent = 0;
  private failures = 0;

  constructor(
    private readonly environment: NotifyEnvironment,
    private readonly logger: Logger,
    private readonly send: NotifySender = systemdNotifySender(environment.socket),
    private readonly scheduler: Scheduler = realScheduler,
  ) {}

  ready(status: string): void {
    this.enqueue({ READY: '1', STATUS: status });
  }

  /** MONOTONIC_USEC is what systemd 253+ wants with RELOADING=1 (Type=notify-reload); older ones ignore it. */
  reloading(status: string, monotonicUsec: bigint = process.hrtime.bigint() / 1000n): void {
    this.enqueue({ RELOADING: '1', MONOTONIC_USEC: String(monotonicUsec), STATUS: status });
  }

  stopping(status: string): void {
    this.stopWatchdog();
    this.enqueue({ STOPPING: '1', STATUS: status });
  }

  status(line: string): void {
    if (this.lastStatus === oneLine(line, 400)) return;
    this.enqueue({ STATUS: line });
  }

  /**
   * Pings from a timer on the event loop: a loop that is stuck (a runaway regex, a sync read
   * that hangs) sends nothing, and systemd restarts the service after WatchdogSec=.
   */
  startWatchdog(): void {
    const interval = this.environment.watchdogIntervalMs;
    if (interval === null || this.watchdogTimer !== null) return;
    this.watchdogTimer = this.scheduler.interval(() => {
      this.enqueue({ WATCHDOG: '1' });
    }, interval);
  }

  stopWatchdog(): void {
    this.watchdogTimer?.cancel();
    this.watchdogTimer = null;
  }

  /** Waits (bounded) until every queued message was handed to systemd, e.g. STOPPING=1 before exit. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = this.scheduler.now() + timeoutMs;
    while (this.sending !== null && this.scheduler.now() < deadline) {
      const sent = new AbortController();
      await Promise.race([this.sending, this.scheduler.sleep(deadline - this.scheduler.now(), sent.signal)]);
      sent.abort();
    }
  }

  stats(): { readonly messages: number; readonly failures: number } {
    return { messages: this.sent, failures: this.failures };
  }

  private enqueue(fields: Record<string, string>): void {
    const message = new Map(
      Object.entries(fields).map(([key, value]) => [key, key === 'STATUS' ? oneLine(value, 400) : value]),
    );
    const status = message.get('STATUS');
    if (status !== undefined) this.lastStatus = status;
    const last = this.queue[this.queue.length - 1];
    const isStateChange = (m: Map<string, string>) => STATE_KEYS.some((key) => m.has(key));
    // A newer STATUS or a ping may join any queued message; two state changes never merge.
    if (last !== undefined && !isStateChange(message)) {
      for (const [key, value] of message) last.set(key, value);
    } else {
      this.queue.push(message);
    }
    if (this.sending === null) this.sending = this.pump();
  }

  private async pump(): Promise<void> {
    for (let message = this.queue.shift(); message !== undefined; message = this.queue.shift()) {
      const assignments = [...message].map(([key, value]) => `${key}=${value}`);
      try {
        await this.send(assignments);
        this.sent++;
        if (this.failing) this.logger.info({}, 'systemd notifications work again');
        this.failing = false;
      } catch (err) {
        this.failures++;
        // Once per run of failures: a watchdog ping every few seconds must not flood the journal.
        if (!this.failing)
          this.logger.warn(
            { error: err instanceof Error ? err.message : String(err) },
            'cannot notify systemd; it may restart wrapwatch (watchdog) or not see it as started',
          );
        this.failing = true;
      }
    }
    this.sending = null;
  }
}
