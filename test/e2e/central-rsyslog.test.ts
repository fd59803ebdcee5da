/**
 * Central collection, for real: two rsyslogd senders ("alpha" at 127.0.0.2, "beta" at
 * 127.0.0.3) forward authpriv/daemon over TCP to a receiving rsyslogd configured with
 * config/rsyslog-central.conf's template; wrapwatch (report.host_name = "{host}") follows the
 * receiver's file and delivers to the real nsca. Each refusal must land under the address it
 * really came from, also when a sender writes another host's name into its message.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWorkspace,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';
import { exec } from '../helpers/packages.js';
import { withoutTimestamp } from '../helpers/nsca-server.js';
import {
  RSYSLOGD,
  listeningTcp,
  startLoopbackNamespace,
  startRsyslog,
  type LoopbackNamespace,
  type Rsyslog,
} from '../helpers/rsyslog.js';
import { REPO_ROOT } from '../helpers/built-dist.js';

useE2eLifecycle();

const PORT = 1514;
const canRun = process.getuid?.() === 0 && existsSync(RSYSLOGD);
const example = (name: string) => readFileSync(join(REPO_ROOT, 'config', name), 'utf8');

let ns: LoopbackNamespace | null = null;
const started: Rsyslog[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
  await ns?.stop();
  ns = null;
});

/** The receiver: config/rsyslog-central.conf with its port, file and listening addresses set for the test. */
function receiverConfig(dir: string, centralLog: string): string {
  const text = example('rsyslog-central.conf');
  const input = /^input\(type="imtcp" port="514" ruleset="wrapwatch-remote"\)$/m;
  const file = 'file="/var/log/wrapwatch-central.log"';
  if (!input.test(text) || !text.includes(file))
    throw new Error('config/rsyslog-central.conf changed shape: adjust this test');
  return [
    `global(workDirectory="${join(dir, 'central')}" net.enableDNS="off")`,
    text
      .replace(file, `file="${centralLog}"`)
      .replace(
        input,
        [2, 3]
          .map((n) => `input(type="imtcp" address="127.0.0.${10 + n}" port="${PORT}" ruleset="wrapwatch-remote")`)
          .join('\n'),
      ),
  ].join('\n');
}

/** A sender: its own name and socket, then config/rsyslog-forward.conf aimed at the receiver. */
function senderConfig(dir: string, name: string, n: number): string {
  const text = example('rsyslog-forward.conf');
  const target = 'target="central.example.org" port="514"';
  if (!text.includes(target)) throw new Error('config/rsyslog-forward.conf changed shape: adjust this test');
  return [
    `global(workDirectory="${join(dir, name)}" localHostName="${name}")`,
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${join(dir, `${name}.sock`)}")`,
    // Reached at 127.0.0.1N, this sender's connections come from 127.0.0.N (see helpers/rsyslog.ts).
    text.replace(target, `target="127.0.0.${10 + n}" port="${PORT}" action.resumeInterval="1"`),
  ].join('\n');
}

/** What a libwrap daemon on a sender does: syslog(3) through the sender's local socket. */
async function logThrough(socket: string, tag: string, pid: number, priority: string, message: string): Promise<void> {
  const run = await exec('logger', ['--socket', socket, '--id=' + String(pid), '-t', tag, '-p', priority, message]);
  if (run.code !== 0) throw new Error(`logger failed: ${run.stderr}`);
}

/** A frame straight to the receiver from 127.0.0.3, whose HOSTNAME claims to be alpha. */
async function forgeFrom3(namespace: LoopbackNamespace, frame: string): Promise<void> {
  const script = `const s = require('node:net').connect(${PORT}, '127.0.0.13', () => s.end(${JSON.stringify(frame)})); s.on('close', () => process.exit(0)); s.on('error', (e) => { console.error(e.message); process.exit(1); });`;
  const child = spawn(namespace.enter[0] ?? 'nsenter', [...namespace.enter.slice(1), process.execPath, '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the forged frame could not be sent: ${stderr}`);
}

describe.skipIf(!canRun)('central collection over rsyslog', () => {
  it('reports each refusal under the address it came from, whatever HOSTNAME the sender wrote', async () => {
    const server = await startReceiver({ decryptionMethod: 1, password: 'central' });
    const ws = await createWorkspace();
    const centralLog = join(ws.dir, 'central.log');
    for (const d of ['central', 'alpha', 'beta']) await mkdir(join(ws.dir, d));

    ns = await startLoopbackNamespace([2, 3]);
    const namespace = ns;
    started.push(
      await startRsyslog(namespace, ws.dir, 'central', receiverConfig(ws.dir, centralLog), (pid) =>
        ['127.0.0.12', '127.0.0.13'].every((a) => listeningTcp(pid).includes(`${a}:${PORT}`)),
      ),
    );
    for (const [name, n] of [
      ['alpha', 2],
      ['beta', 3],
    ] as const) {
      const socket = join(ws.dir, `${name}.sock`);
      started.push(
        await startRsyslog(namespace, ws.dir, name, senderConfig(ws.dir, name, n), () => existsSync(socket)),
      );
    }

    await writeConfig(
      ws.configFile,
      testConfig(ws, server, {
        source: { path: centralLog, start_at: 'beginning' },
        report: { host_name: '{host}', output: '{daemon} from {address} on {host}' },
      }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await logThrough(
      join(ws.dir, 'alpha.sock'),
      'sshd',
      4101,
      'authpriv.info',
      'refused connect from 203.0.113.1 (203.0.113.1)',
    );
    await logThrough(
      join(ws.dir, 'beta.sock'),
      'in.telnetd',
      4102,
      'daemon.warning',
      'refused connect from 203.0.113.2 (203.0.113.2)',
    );
    // Not forwarded: neither authpriv/auth nor daemon.
    await logThrough(
      join(ws.dir, 'alpha.sock'),
      'sshd',
      4103,
      'mail.info',
      'refused connect from 203.0.113.9 (203.0.113.9)',
    );
    await forgeFrom3(
      namespace,
      '<38>2026-11-30T01:02:03+00:00 alpha sshd[4104]: refused connect from 203.0.113.3 (203.0.113.3)\n',
    );

    // A first result names the refusal's time (" at ..."): the time each sender's message carried.
    const lines = (await server.waitForLines(3, 20_000))
      .map((l) => withoutTimestamp(l).replace(/ at \S+ \|/, ' |'))
      .sort();
    expect(lines).toEqual(
      [
        'PROCESS_SERVICE_CHECK_RESULT;127.0.0.2;TCP Wrappers;2;sshd from 203.0.113.1 on 127.0.0.2 | refusals=1 sources=1',
        'PROCESS_SERVICE_CHECK_RESULT;127.0.0.3;TCP Wrappers;2;in.telnetd from 203.0.113.2 on 127.0.0.3 | refusals=1 sources=1',
        'PROCESS_SERVICE_CHECK_RESULT;127.0.0.3;TCP Wrappers;2;sshd from 203.0.113.3 on 127.0.0.3 | refusals=1 sources=1',
      ].sort(),
    );
    // The receiver's file: the senders' addresses in the host field, never the names they claimed.
    const central = await readFile(centralLog, 'utf8');
    expect(central).toMatch(/^\S+ 127\.0\.0\.2 sshd\[4101\]: refused connect from 203\.0\.113\.1 \(203\.0\.113\.1\)$/m);
    expect(central).toMatch(
      /^2026-11-30T01:02:03\+00:00 127\.0\.0\.3 sshd\[4104\]: refused connect from 203\.0\.113\.3/m,
    );
    expect(central).not.toMatch(/ (alpha|beta) /);
    expect(central).not.toContain('203.0.113.9');

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await server.readCommandFile()).toHaveLength(3);
  }, 60_000);
});
