/**
 * systemd's notification socket, played by test/helpers/fake-notify-socket.py (Node cannot
 * bind AF_UNIX datagram sockets): what a service sends with sd_notify / systemd-notify arrives
 * here as one record per datagram, with the sender's pid as the kernel reported it. Stopped by
 * pid after each test (`stopNotifySockets` in afterEach).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './daemon-process.js';

const SCRIPT = fileURLToPath(new URL('./fake-notify-socket.py', import.meta.url));

export interface NotifyMessage {
  /** CLOCK_MONOTONIC ms when it arrived. */
  readonly at: number;
  readonly pid: number | null;
  readonly fds: number;
  readonly fields: Readonly<Record<string, string>>;
}

export class FakeNotifySocket {
  readonly messages: NotifyMessage[] = [];
  private stderr = '';

  private constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<FakeNotifySocket> {
    const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-notify-'));
    const path = join(dir, 'notify.sock');
    const child = spawn('python3', [SCRIPT, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const socket = new FakeNotifySocket(path, dir, child);
    live.add(socket);
    let listening = false;
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const value = JSON.parse(line) as NotifyMessage | { listening: string };
        if ('listening' in value) listening = true;
        else socket.messages.push(value);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (socket.stderr += chunk.toString()));
    await eventually(
      () => (listening ? true : undefined),
      10_000,
      () => `python3 fake-notify-socket.py to listen (stderr: ${socket.stderr})`,
    );
    return socket;
  }

  /** Messages that carry `key` (BARRIER=1 ones left out unless asked for). */
  with(key: string): NotifyMessage[] {
    return this.messages.filter((m) => key in m.fields);
  }

  /** Resolves with the first message (from index `after`) whose fields match. */
  waitFor(
    match: (fields: Readonly<Record<string, string>>) => boolean,
    what: string,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<NotifyMessage> {
    return eventually(
      () => this.messages.slice(options.after ?? 0).find((m) => match(m.fields)),
      options.timeoutMs ?? 10_000,
      () => `${what}; got ${JSON.stringify(this.messages.map((m) => m.fields))}`,
    );
  }

  async stop(): Promise<void> {
    live.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(this.child.pid, 'SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<FakeNotifySocket>();

export async function stopNotifySockets(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}
