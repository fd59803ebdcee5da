#!/usr/bin/env node
/**
 * N results (default 10,000) through `wrapwatch send` and through the real /usr/sbin/send_nsca,
 * each into its own fresh real nsca (test/helpers/nsca-server.ts), for encryption methods 1, 3
 * and 14. Reports the client's wall time, the time from its start until the last result landed
 * in the command file (the delivered throughput), and how many landed.
 *
 * The two clients alternate (which goes first swaps every run) and the medians over the runs
 * are compared. send_nsca's -to is one alarm for the whole run (default 10 s), which cuts a
 * slow method short, so the compared runs give it -to 600; once per method it also runs as a
 * user would by default, to show what that loses. wrapwatch's -to is per step (default 10 s).
 *
 *   npm run build && node test/bench/nsca-send-compare.mjs [--count 10000] [--methods 1,3,14] [--runs 3]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLI, CLI_NODE_FLAGS, loadNscaHelper } from './lib/nsca.mjs';
import { median, sleep } from './lib/measure.mjs';

const PASSWORD = 'bench password';

function runClient(command, args, input) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: stdout.trim(),
        stderr: stderr.trim(),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        started,
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Waits until the command file holds everything or stops growing for 3 s; returns the count and when the last line came. */
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
    if (lines >= expected || Number(now - lastChange) / 1e9 > 3)
      return { landed: lines, untilLanded: Number(lastChange - started) / 1e9 };
    await sleep(20);
  }
}

export function sendInput(count) {
  return (
    Array.from(
      { length: count },
      (_, i) => `bench-host-${i % 50}\tTCP Wrappers\t2\tDenied sshd from 192.0.2.${i % 250} #${i}`,
    ).join('\x17') + '\x17'
  );
}

export async function compareSend({
  count = 10_000,
  methods = [1, 3, 14],
  runs = 3,
  progress = (s) => process.stderr.write(`${s}\n`),
} = {}) {
  const helper = await loadNscaHelper();
  const input = sendInput(count);
  const clients = {
    wrapwatch: {
      name: 'wrapwatch send',
      command: process.execPath,
      args: (s, cfg) => [...CLI_NODE_FLAGS, CLI, 'send', '-H', s.host, '-p', String(s.port), '-c', cfg],
    },
    sendNsca: {
      name: 'send_nsca -to 600',
      command: helper.SEND_NSCA_BINARY,
      args: (s, cfg) => ['-H', s.host, '-p', String(s.port), '-to', '600', '-c', cfg],
    },
    sendNscaDefault: {
      name: 'send_nsca (default -to 10)',
      command: helper.SEND_NSCA_BINARY,
      args: (s, cfg) => ['-H', s.host, '-p', String(s.port), '-c', cfg],
    },
  };

  async function once(method, key) {
    const client = clients[key];
    const server = await helper.startNscaServer({ decryptionMethod: method, password: PASSWORD });
    try {
      const cfg = await helper.writeSendNscaConfig(server.dir, method, PASSWORD);
      const result = await runClient(client.command, client.args(server, cfg), input);
      const { landed, untilLanded } = await settle(server, count, result.started);
      progress(
        `  send method ${method}, ${client.name}: exit ${result.code}, ${result.seconds.toFixed(2)} s, ${landed}/${count} landed after ${untilLanded.toFixed(2)} s`,
      );
      return {
        exit: result.code,
        wallSeconds: result.seconds,
        untilLandedSeconds: untilLanded,
        landed,
        message: (result.stderr || result.stdout).split('\n')[0].slice(0, 100),
      };
    } finally {
      await server.stop();
    }
  }

  const rows = [];
  for (const method of methods) {
    const samples = { wrapwatch: [], sendNsca: [] };
    for (let run = 0; run < runs; run++) {
      for (const key of run % 2 === 0 ? ['wrapwatch', 'sendNsca'] : ['sendNsca', 'wrapwatch'])
        samples[key].push(await once(method, key));
    }
    const asUsual = await once(method, 'sendNscaDefault');
    const summarise = (list) => ({
      runs: list.length,
      wallSeconds: median(list.map((s) => s.wallSeconds)),
      untilLandedSeconds: median(list.map((s) => s.untilLandedSeconds)),
      resultsPerSecond: count / median(list.map((s) => s.untilLandedSeconds)),
      landedMin: Math.min(...list.map((s) => s.landed)),
      allExitZero: list.every((s) => s.exit === 0),
    });
    const ww = summarise(samples.wrapwatch);
    const sn = summarise(samples.sendNsca);
    // Throughput ratio per run (the pair ran back to back), then the median.
    const ratio = median(
      samples.wrapwatch.map((w, i) => samples.sendNsca[i].untilLandedSeconds / w.untilLandedSeconds),
    );
    rows.push({ method, count, wrapwatch: ww, sendNsca: sn, sendNscaDefault: asUsual, throughputRatio: ratio });
  }
  return { count, runs, rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10000' },
      methods: { type: 'string', default: '1,3,14' },
      runs: { type: 'string', default: '3' },
    },
  });
  const result = await compareSend({
    count: Number(values.count),
    methods: values.methods.split(',').map(Number),
    runs: Number(values.runs),
  });
  console.log(JSON.stringify(result, null, 2));
}
