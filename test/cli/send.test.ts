/**
 * `wrapwatch send` end to end: the built CLI (`npm run build` first) as a real process, against
 * real nsca servers, side by side with the real /usr/sbin/send_nsca.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/child-process.js';
import {
  SEND_NSCA_BINARY,
  startNscaServer,
  withoutTimestamp,
  writeSendNscaConfig,
  type NscaServer,
} from '../helpers/nsca-server.js';
import { startWedgedReceiver } from '../helpers/wedged-receiver.js';

const CLI = resolve(import.meta.dirname, '../../dist/wrapwatch.cjs');
const PASSWORD = 'correct horse battery staple';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function run(
  command: string,
  args: readonly string[],
  input: string | Buffer,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // A run that hangs fails the test instead of the whole file.
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Date.now() - started,
      });
    });
    child.stdin.on('error', () => undefined); // a process that exits early closes its stdin
    child.stdin.end(input);
  });
}

const wrapwatchSend = (args: readonly string[], input: string | Buffer, env?: NodeJS.ProcessEnv) =>
  run(process.execPath, [CLI, 'send', ...args], input, env);
const sendNsca = (args: readonly string[], input: string | Buffer) => run(SEND_NSCA_BINARY, args, input);

let dir = '';
const servers: NscaServer[] = [];
async function server(decryptionMethod: number, password = PASSWORD): Promise<NscaServer> {
  const started = await startNscaServer({ decryptionMethod, password });
  servers.push(started);
  return started;
}
async function clientConfig(method: number, password = PASSWORD): Promise<string> {
  return writeSendNscaConfig(
    dir,
    method,
    password,
    `send-${method}-${servers.length}-${Math.random().toString(36).slice(2)}.cfg`,
  );
}
const target = (nsca: NscaServer) => ['-H', nsca.host, '-p', String(nsca.port)];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before these tests`);
  dir = await mkdtemp(join(tmpdir(), 'wrapwatch-send-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SERVICE_AND_HOST = 'firestorm\tTCP Wrappers\t2\tDenied sshd from 192.0.2.7\x17firestorm\t1\thost is grumpy\n\x17';
const EXPECTED_LINES = [
  'PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied sshd from 192.0.2.7',
  'PROCESS_HOST_CHECK_RESULT;firestorm;1;host is grumpy',
];

describe('wrapwatch send delivers with every encryption method', () => {
  for (const method of [0, 1, 2, 3, 8, 14]) {
    it(`method ${method}`, async () => {
      const nsca = await server(method);
      const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(method)], SERVICE_AND_HOST);
      expect(result).toMatchObject({ code: 0, stdout: '2 data packet(s) sent to host successfully.\n', stderr: '' });
      const lines = await nsca.waitForLines(2);
      expect(lines.map(withoutTimestamp)).toEqual(EXPECTED_LINES);
      for (const line of lines) expect(line).toMatch(/^\[\d{10}\] /);
    });
  }

  it('method 4 (CAST-128) with the OpenSSL legacy provider loaded through NODE_OPTIONS', async () => {
    const nsca = await server(4);
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim() };
    const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(4)], SERVICE_AND_HOST, env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect((await nsca.waitForLines(2)).map(withoutTimestamp)).toEqual(EXPECTED_LINES);
  });

  it('method 4 without the legacy provider: exit 2, says what is missing, sends nothing', async () => {
    const nsca = await server(4);
    const env = { ...process.env, NODE_OPTIONS: '' };
    const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(4)], SERVICE_AND_HOST, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/4 \(CAST-128\) is not available: .*legacy provider.*--openssl-legacy-provider/s);
    expect(result.stdout).toBe('');
    expect(await nsca.readCommandFile()).toEqual([]);
  });
});

describe('the same lines as send_nsca', () => {
  // Spaces, tabs inside the output, perfdata, a backslash, UTF-8, a latin1 byte, doubled delimiters,
  // a negative and an unusual return code, a multi-line output: what the server writes must not differ.
  const input = Buffer.concat([
    Buffer.from(
      [
        'web01\tHTTP\t0\tHTTP OK: 200 in 0.01s|time=0.01s;1;2;0',
        'web01\tDisk /var\t1\tWARNING - 91% used\twith a tab',
        'web01\t\tLoad\t2\tdoubled delimiter before the service',
        'db 01\tback\\slash\t3\tC:\\temp\\x and  two  spaces',
        'db01\t0\thost check: up',
        'db01\tUnicode\t0\tgrüße → ✓',
        'db01\tmultiline\t2\tfirst line\nsecond line',
        'db01\tcode\t-1\tnegative',
      ].join('\x17'),
      'utf8',
    ),
    Buffer.from([0x17]),
    Buffer.from('db01\tlatin1\t0\t20\xb0C\x17', 'latin1'),
  ]);

  for (const method of [1, 3, 14]) {
    it(`method ${method}: identical command-file lines but for the timestamps`, async () => {
      const nsca = await server(method);
      const config = await clientConfig(method);
      const theirs = await sendNsca([...target(nsca), '-c', config], input);
      expect(theirs).toMatchObject({ code: 0, stdout: '9 data packet(s) sent to host successfully.\n' });
      const sendNscaLines = (await nsca.waitForLines(9, 10_000, 'latin1')).map(withoutTimestamp);

      const ours = await wrapwatchSend([...target(nsca), '-c', config], input);
      expect(ours).toMatchObject({ code: 0, stdout: '9 data packet(s) sent to host successfully.\n', stderr: '' });
      const all = (await nsca.waitForLines(18, 10_000, 'latin1')).map(withoutTimestamp);
      expect(all).toHaveLength(18);
      expect(all.slice(9)).toEqual(sendNscaLines);
      expect(all[6]).toBe('PROCESS_SERVICE_CHECK_RESULT;db01;multiline;2;first line\\nsecond line');
      expect(all[3]).toBe('PROCESS_SERVICE_CHECK_RESULT;db 01;back\\slash;3;C:\\\\temp\\\\x and  two  spaces');
    });
  }

  it('a single newline-terminated result (the submit_check_result case) lands the same way', async () => {
    const nsca = await server(1);
    const config = await clientConfig(1);
    const line = 'firestorm\tTCP Wrappers\t2\tDenied in.telnetd from 198.51.100.4\n';
    expect((await sendNsca([...target(nsca), '-c', config], line)).code).toBe(0);
    expect((await wrapwatchSend([...target(nsca), '-to', '5', '-c', config], line)).code).toBe(0);
    const [theirs, ours] = (await nsca.waitForLines(2)).map(withoutTimestamp);
    expect(ours).toBe(theirs);
    expect(ours).toBe('PROCESS_SERVICE_CHECK_RESULT;firestorm;TCP Wrappers;2;Denied in.telnetd from 198.51.100.4');
  });
});

describe('input handling', () => {
  it('without ETB, one result per line (send_nsca would glue the lines into one result)', async () => {
    const nsca = await server(1);
    const result = await wrapwatchSend(
      [...target(nsca), '-c', await clientConfig(1)],
      'a\tsvc\t0\tone\nb\tsvc\t1\ttwo\n\nc\t2\tthree\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: '3 data packet(s) sent to host successfully.\n' });
    expect((await nsca.waitForLines(3)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;a;svc;0;one',
      'PROCESS_SERVICE_CHECK_RESULT;b;svc;1;two',
      'PROCESS_HOST_CHECK_RESULT;c;2;three',
    ]);
  });

  it('a ";" or a newline in host or service: reported with its line, not sent, exit 2; the good ones go', async () => {
    const nsca = await server(1);
    const input =
      'good\tsvc\t0\tok\x17web;evil\tsvc\t2\tx\x17web\tsvc;x\t2\tx\x17we\nb\tsvc\t2\tx\x17web\ts\nvc\t2\tx\x17good\t1\thost ok\x17';
    const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(1)], input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('2 data packet(s) sent to host successfully.\n');
    const problems = result.stderr.trim().split('\n');
    expect(problems).toEqual([
      expect.stringMatching(/^wrapwatch send: result 2 \(line 1\): host contains ";" .*; not sent$/),
      expect.stringMatching(/^wrapwatch send: result 3 \(line 1\): service contains ";" .*; not sent$/),
      expect.stringMatching(/^wrapwatch send: result 4 \(line 1\): host contains a newline .*; not sent$/),
      expect.stringMatching(/^wrapwatch send: result 5 \(line 2\): service contains a newline .*; not sent$/),
    ]);
    expect((await nsca.waitForLines(2)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;good;svc;0;ok',
      'PROCESS_HOST_CHECK_RESULT;good;1;host ok',
    ]);
  });

  it('only bad input: nothing is sent, no connection is made, exit 2', async () => {
    const nsca = await server(1);
    const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(1)], 'web;evil\tsvc\t2\tx\n');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/line 1: host contains ";"/);
    await new Promise((r) => setTimeout(r, 200));
    expect(await nsca.readCommandFile()).toEqual([]);
  });

  it('empty input: exit 2 with a message', async () => {
    const result = await wrapwatchSend(['-H', '127.0.0.1', '-p', String(await freePort())], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no results on standard input/);
  });

  it("-d and send_nsca's old syntax (the server as first argument)", async () => {
    const nsca = await server(1);
    const result = await wrapwatchSend(
      [nsca.host, '-p', String(nsca.port), '-d', ',', '-c', await clientConfig(1), '--quiet'],
      'h,svc,0,out,with,commas\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect((await nsca.waitForLines(1)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;h;svc;0;out,with,commas',
    ]);
  });
});

describe('failures are visible', () => {
  const listeners: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const l of listeners) l.close();
  });

  it('a wrong password: nothing lands and send fails (send_nsca claims success)', async () => {
    const nsca = await server(3, 'the real password');
    const wrong = await clientConfig(3, 'a wrong password');
    const theirs = await sendNsca([...target(nsca), '-c', wrong], SERVICE_AND_HOST);
    expect(theirs).toMatchObject({ code: 0, stdout: '2 data packet(s) sent to host successfully.\n' });

    const ours = await wrapwatchSend([...target(nsca), '-c', wrong], SERVICE_AND_HOST);
    expect(ours.code).toBe(2);
    expect(ours.stdout).toBe('');
    expect(ours.stderr).toMatch(/rejected the results|closed the connection after/);
    expect(ours.stderr).toMatch(/password or encryption method/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await nsca.readCommandFile()).toEqual([]);
  });

  it('a wrong encryption method is caught the same way', async () => {
    const nsca = await server(14);
    const result = await wrapwatchSend([...target(nsca), '-c', await clientConfig(1)], SERVICE_AND_HOST);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/password or encryption method/);
    expect(await nsca.readCommandFile()).toEqual([]);
  });

  it('no server listening: exit 2 at once, "refused"', async () => {
    const port = await freePort();
    const result = await wrapwatchSend(
      ['-H', '127.0.0.1', '-p', String(port), '-c', await clientConfig(1)],
      SERVICE_AND_HOST,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`NSCA server 127\\.0\\.0\\.1:${port} refused the connection`));
    expect(result.ms).toBeLessThan(5000);
  });

  it('a listener that never greets: exit 2 after -to seconds, naming the greeting', async () => {
    const silent = createServer((socket) => sockets.push(socket));
    listeners.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const result = await wrapwatchSend(
      ['-H', '127.0.0.1', '-p', String(address.port), '-to', '1', '-c', await clientConfig(1)],
      SERVICE_AND_HOST,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/timed out after 1 s waiting for its greeting/);
    expect(result.ms).toBeGreaterThanOrEqual(1000);
    expect(result.ms).toBeLessThan(8000);
  });

  for (const method of [1, 3, 14]) {
    it(`method ${method}: one result with a wrong password: exit 2, nothing confirmed, nothing lands`, async () => {
      const nsca = await server(method, 'the real password');
      const result = await wrapwatchSend(
        [...target(nsca), '-c', await clientConfig(method, 'a wrong password')],
        'firestorm\tTCP Wrappers\t2\tDenied sshd from 192.0.2.7\n',
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/password or encryption method/);
      expect(result.stderr).toMatch(/1 of 1 result\(s\) written, 0 confirmed/);
      await new Promise((r) => setTimeout(r, 300));
      expect(await nsca.readCommandFile()).toEqual([]);
    });
  }

  it('a receiver that takes the results but never confirms them: exit 2 after -to, saying how many were written and confirmed', async () => {
    const wedged = await startWedgedReceiver();
    try {
      const result = await wrapwatchSend(
        ['-H', '127.0.0.1', '-p', String(wedged.port), '-to', '1', '-c', await clientConfig(1)],
        SERVICE_AND_HOST,
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /NSCA receiver took 2 results but did not confirm reading them within 1 s: overloaded or wedged\? 2 of 2 result\(s\) written, 0 confirmed\./,
      );
      expect(result.ms).toBeGreaterThanOrEqual(1000);
      expect(result.ms).toBeLessThan(8000);
    } finally {
      await wedged.stop();
    }
  });

  it('a config file that cannot be read: exit 2', async () => {
    const result = await wrapwatchSend(['-H', '127.0.0.1', '-c', join(dir, 'nope.cfg')], SERVICE_AND_HOST);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read the config file .*nope\.cfg: ENOENT/);
  });

  it('a usage error: exit 2 with the usage; --help: exit 0', async () => {
    const bad = await wrapwatchSend(['-p', '5667'], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/-H <host_address> is required[\s\S]*usage: wrapwatch send/);
    const help = await wrapwatchSend(['--help'], '');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/NOT sent; the good ones still are/);
  });
});
