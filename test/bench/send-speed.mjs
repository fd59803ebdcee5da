#!/usr/bin/env node
/**
 * `wrapwatch send` as Nagios uses send_nsca, measured as whole processes, paired run by run:
 *
 * 1. One result per run (OCSP/OCHP: one process per check result): `node -e 0` (the floor of
 *    any Node program), `wrapwatch send` and /usr/sbin/send_nsca, each run in rotated order
 *    against one long-running real nsca (XOR). Target: wrapwatch <= 2x `node -e 0`.
 * 2. 10,000 XOR results in one run: wrapwatch send and send_nsca, each into a fresh real nsca,
 *    alternating which goes first. Target: wrapwatch <= 1.10x send_nsca's whole run. wrapwatch
 *    waits for the server's close, its proof of having read every result; send_nsca exits once
 *    its last packet is in the kernel.
 *
 * Every wrapwatch run must exit 0 (every result confirmed) and every result must land.
 *
 *   npm run build && node test/bench/send-speed.mjs [--runs 30] [--bulk-runs 5] [--count 10000]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLI, loadNscaHelper } from './lib/nsca.mjs';
import { median, rotated, sleep } from './lib/measure.mjs';
import { sendInput } from './nsca-send-compare.mjs';

const PASSWORD = 'bench password';

function runProcess(command, args, input) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stderr: stderr.trim(), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function waitForLines(server, count, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = (await server.readCommandFile()).length;
    if (n >= count || Date.now() > deadline) return n;
    await sleep(10);
  }
}

export async function oneResult({ runs = 30, progress = () => undefined } = {}) {
  const helper = await loadNscaHelper();
  const server = await helper.startNscaServer({ decryptionMethod: 1, password: PASSWORD });
  try {
    const cfg = await helper.writeSendNscaConfig(server.dir, 1, PASSWORD);
    const input = 'firestorm\tTCP Wrappers\t2\tDenied sshd from 192.0.2.7\n';
    const target = ['-H', server.host, '-p', String(server.port), '-c', cfg];
    const clients = {
      node: () => runProcess(process.execPath, ['-e', '0'], ''),
      wrapwatch: () => runProcess(process.execPath, [CLI, 'send', ...target], input),
      sendNsca: () => runProcess(helper.SEND_NSCA_BINARY, target, input),
    };
    const samples = { node: [], wrapwatch: [], sendNsca: [] };
    let sent = 0;
    for (let run = 0; run < runs; run++) {
      for (const key of rotated(Object.keys(clients), run)) {
        const r = await clients[key]();
        if (r.code !== 0) throw new Error(`${key} exited ${r.code}: ${r.stderr}`);
        if (key !== 'node') sent++;
        samples[key].push(r.ms);
      }
    }
    const landed = await waitForLines(server, sent);
    const ratios = samples.wrapwatch.map((w, i) => w / samples.node[i]);
    progress(
      `one result: node -e 0 ${median(samples.node).toFixed(1)} ms, wrapwatch send ${median(samples.wrapwatch).toFixed(1)} ms, send_nsca ${median(samples.sendNsca).toFixed(1)} ms; wrapwatch / node -e 0 ${median(ratios).toFixed(2)}`,
    );
    return {
      runs,
      nodeMs: median(samples.node),
      wrapwatchMs: median(samples.wrapwatch),
      sendNscaMs: median(samples.sendNsca),
      wrapwatchOverNode: median(ratios),
      landed,
      sent,
    };
  } finally {
    await server.stop();
  }
}

export async function bulk({ runs = 5, count = 10_000, progress = () => undefined } = {}) {
  const helper = await loadNscaHelper();
  const input = sendInput(count);
  async function once(key) {
    const server = await helper.startNscaServer({ decryptionMethod: 1, password: PASSWORD });
    try {
      const cfg = await helper.writeSendNscaConfig(server.dir, 1, PASSWORD);
      const target = ['-H', server.host, '-p', String(server.port), '-c', cfg];
      // send_nsca's -to is one alarm for the whole run: give it room, as the compare benchmark does.
      const r =
        key === 'wrapwatch'
          ? await runProcess(process.execPath, [CLI, 'send', ...target], input)
          : await runProcess(helper.SEND_NSCA_BINARY, [...target, '-to', '600'], input);
      const landed = await waitForLines(server, count);
      if (r.code !== 0 || landed < count)
        throw new Error(`${key}: exit ${r.code}, ${landed}/${count} landed: ${r.stderr}`);
      return r.ms;
    } finally {
      await server.stop();
    }
  }
  const samples = { wrapwatch: [], sendNsca: [] };
  for (let run = 0; run < runs; run++) {
    for (const key of run % 2 === 0 ? ['wrapwatch', 'sendNsca'] : ['sendNsca', 'wrapwatch'])
      samples[key].push(await once(key));
  }
  const ratios = samples.wrapwatch.map((w, i) => w / samples.sendNsca[i]);
  progress(
    `${count} XOR results: wrapwatch send ${median(samples.wrapwatch).toFixed(0)} ms, send_nsca ${median(samples.sendNsca).toFixed(0)} ms; ratio ${median(ratios).toFixed(2)}`,
  );
  return {
    runs,
    count,
    wrapwatchMs: median(samples.wrapwatch),
    sendNscaMs: median(samples.sendNsca),
    wrapwatchOverSendNsca: median(ratios),
    samples,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '30' },
      'bulk-runs': { type: 'string', default: '5' },
      count: { type: 'string', default: '10000' },
    },
  });
  const progress = (s) => process.stderr.write(`${s}\n`);
  const one = await oneResult({ runs: Number(values.runs), progress });
  const many = await bulk({ runs: Number(values['bulk-runs']), count: Number(values.count), progress });
  console.log(JSON.stringify({ oneResult: one, bulk: many }, null, 2));
}
