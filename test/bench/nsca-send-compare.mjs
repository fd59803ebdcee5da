#!/usr/bin/env node
/**
 * 10,000 results through `wrapwatch send` and through the real /usr/sbin/send_nsca, each into
 * its own fresh real nsca (test/helpers/nsca-server.ts), for encryption methods 1, 3 and 14.
 * Reports the client's wall time, the time until the last result landed in the command file,
 * and how many landed.
 *
 * send_nsca's -to is one alarm for the whole run (default 10 s), so it runs twice: with the
 * default, and with -to 600 for a fair landed count. wrapwatch's -to is per step; it runs with
 * the default.
 *
 * Usage: npm run build && node test/bench/nsca-send-compare.mjs [count] [methods, e.g. 1,3,14]
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli/main.js');
const count = Number(process.argv[2] ?? 10_000);
const methods = (process.argv[3] ?? '1,3,14').split(',').map(Number);
const PASSWORD = 'bench password';

/** The helper is TypeScript; compile it on the fly into the git-ignored test/bench/out/. */
async function loadHelper() {
  const source = await readFile(join(root, 'test/helpers/nsca-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const out = join(here, 'out');
  await mkdir(out, { recursive: true });
  const file = join(out, 'nsca-server.mjs');
  await writeFile(file, outputText);
  return import(pathToFileURL(file).href);
}

function run(command, args, input) {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout: stdout.trim(), stderr: stderr.trim(), seconds: Number(process.hrtime.bigint() - started) / 1e9, started }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Waits until the command file stops growing (or holds everything); returns the count and when the last line came. */
async function settle(server, expected, started) {
  let last = -1;
  let lastChange = process.hrtime.bigint();
  for (;;) {
    const lines = (await server.readCommandFile()).length;
    const now = process.hrtime.bigint();
    if (lines !== last) {
      last = lines;
      lastChange = now;
    }
    if (lines >= expected || Number(now - lastChange) / 1e9 > 3) return { landed: lines, untilLanded: Number(lastChange - started) / 1e9 };
    await new Promise((r) => setTimeout(r, 50));
  }
}

const helper = await loadHelper();
const input = Array.from({ length: count }, (_, i) => `bench-host-${i % 50}\tTCP Wrappers\t2\tDenied sshd from 192.0.2.${i % 250} #${i}`).join('\x17') + '\x17';

const clients = [
  { name: 'wrapwatch send', command: process.execPath, args: (s, cfg) => [cli, 'send', '-H', s.host, '-p', String(s.port), '-c', cfg] },
  { name: 'send_nsca -to 10 (default)', command: helper.SEND_NSCA_BINARY, args: (s, cfg) => ['-H', s.host, '-p', String(s.port), '-c', cfg] },
  { name: 'send_nsca -to 600', command: helper.SEND_NSCA_BINARY, args: (s, cfg) => ['-H', s.host, '-p', String(s.port), '-to', '600', '-c', cfg] },
];

const rows = [];
for (const method of methods) {
  for (const client of clients) {
    const server = await helper.startNscaServer({ decryptionMethod: method, password: PASSWORD });
    try {
      const cfg = await helper.writeSendNscaConfig(server.dir, method, PASSWORD);
      const result = await run(client.command, client.args(server, cfg), input);
      const { landed, untilLanded } = await settle(server, count, result.started);
      rows.push({ method, client: client.name, exit: result.code, wallSeconds: result.seconds.toFixed(2), untilLandedSeconds: untilLanded.toFixed(2), landed, message: (result.stderr || result.stdout).split('\n')[0].slice(0, 90) });
      console.error(`method ${method} ${client.name}: ${result.seconds.toFixed(2)} s, ${landed}/${count} landed`);
    } finally {
      await server.stop();
    }
  }
}
console.table(rows);
