#!/usr/bin/env node
/**
 * N results (default 10,000) through each acknowledged transport into its real server:
 *
 *   nsca-ng   wrapwatch's NscaNgTransport (dist/, in-process, batches of 1,000 as the sink hands
 *             them over, one session) into a fresh real nsca-ng (test/helpers/nsca-ng-server.ts),
 *             side by side with the real send_nsca of nsca-ng-client (one whole process, all
 *             results on stdin), into its own fresh server. Measured: until the client had every
 *             result confirmed (send_nsca: exited 0), and until every line was read from the FIFO.
 *   icinga2   wrapwatch's Icinga2Transport (4 requests in flight on kept-alive connections) into
 *             a real Icinga 2 (test/helpers/icinga2-server.ts): until every result had its 200.
 *
 * send_nsca comes from nsca-ng-client, which conflicts with the installed nsca-client: it is
 * unpacked (apt-get download + dpkg-deb -x) into a temp dir, never installed.
 *
 *   npm run build && node test/bench/transports.mjs [--count 10000] [--runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './lib/nsca.mjs';
import { median } from './lib/measure.mjs';
import { loadTestHelper } from './lib/ts-helper.mjs';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } },
});
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const BATCH = 1000;

const dist = (path) => import(pathToFileURL(join(REPO_ROOT, 'dist', path)).href);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

function results(count) {
  return Array.from({ length: count }, (_, i) => ({
    host: 'firestorm',
    service: 'TCP Wrappers',
    status: 2,
    output: `Denied sshd from 192.0.2.${i % 250} #${i} | refusals=1 sources=1`,
  }));
}

async function unpackSendNsca() {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-nsca-ng-client-'));
  const download = spawnSync('apt-get', ['download', 'nsca-ng-client'], { cwd: dir, encoding: 'utf8' });
  if (download.status !== 0) throw new Error(`apt-get download nsca-ng-client failed: ${download.stderr}`);
  const deb = (await readdir(dir)).find((f) => f.endsWith('.deb'));
  const unpack = spawnSync('dpkg-deb', ['-x', join(dir, deb), join(dir, 'root')], { encoding: 'utf8' });
  if (unpack.status !== 0) throw new Error(`dpkg-deb -x failed: ${unpack.stderr}`);
  return { dir, binary: join(dir, 'root/usr/sbin/send_nsca') };
}

async function ngWrapwatch(helper, NscaNgTransport) {
  const server = await helper.startNscaNgServer();
  try {
    const { identity, password } = helper.DEFAULT_IDENTITY;
    const transport = new NscaNgTransport({
      settings: { host: '127.0.0.1', port: server.port, identity, password, timeout_seconds: 10 },
    });
    const prepared = results(COUNT).map((r) => transport.prepare(r));
    const start = process.hrtime.bigint();
    let confirmed = 0;
    for (let i = 0; i < prepared.length; i += BATCH) {
      const report = await transport.deliver(prepared.slice(i, i + BATCH));
      if (report.failure) throw new Error(report.failure.message);
      confirmed += report.confirmed;
    }
    const untilConfirmed = seconds(start);
    await server.waitForLines(COUNT, 120_000);
    const untilRead = seconds(start);
    await transport.close();
    return { confirmed, untilConfirmed, untilRead };
  } finally {
    await server.stop();
  }
}

async function ngSendNsca(helper, binary) {
  const server = await helper.startNscaNgServer();
  try {
    const { identity, password } = helper.DEFAULT_IDENTITY;
    const config = join(server.dir, 'send_nsca.cfg');
    await writeFile(config, `identity = "${identity}"\npassword = "${password}"\n`);
    const input = results(COUNT)
      .map((r) => `${r.host}\t${r.service}\t${r.status}\t${r.output}\x17`)
      .join('');
    const start = process.hrtime.bigint();
    const code = await new Promise((resolve, reject) => {
      const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(server.port), '-c', config], {
        stdio: ['pipe', 'ignore', 'inherit'],
      });
      child.on('error', reject);
      child.on('close', resolve);
      child.stdin.end(input);
    });
    const untilConfirmed = seconds(start);
    if (code !== 0) throw new Error(`send_nsca exited ${code}`);
    await server.waitForLines(COUNT, 120_000);
    return { confirmed: COUNT, untilConfirmed, untilRead: seconds(start) };
  } finally {
    await server.stop();
  }
}

async function icinga(icingaServer, Icinga2Transport) {
  const transport = new Icinga2Transport({
    settings: {
      url: icingaServer.url,
      user: 'wrapwatch',
      password: 'icinga-test-password',
      ca_file: icingaServer.caFile,
      server_name: icingaServer.serverName,
      timeout_seconds: 30,
    },
    checkSource: 'bench',
  });
  const prepared = results(COUNT).map((r) => transport.prepare(r));
  const start = process.hrtime.bigint();
  let confirmed = 0;
  for (let i = 0; i < prepared.length; i += BATCH) {
    const report = await transport.deliver(prepared.slice(i, i + BATCH));
    if (report.failure) throw new Error(report.failure.message);
    confirmed += report.confirmed;
  }
  const untilConfirmed = seconds(start);
  await transport.close();
  return { confirmed, untilConfirmed };
}

const rate = (n, s) => Math.round(n / s);
const summary = (rows, key) => ({
  seconds: median(rows.map((r) => r[key])),
  perSecond: rate(COUNT, median(rows.map((r) => r[key]))),
});

const ngHelper = await loadTestHelper('nsca-ng-server');
const icingaHelper = await loadTestHelper('icinga2-server');
const { NscaNgTransport } = await dist('sink/nsca-ng/nsca-ng-transport.js');
const { Icinga2Transport } = await dist('sink/icinga2/icinga2-transport.js');
const sendNsca = await unpackSendNsca();
const out = {
  count: COUNT,
  runs: RUNS,
  loadavg: (await import('node:os')).loadavg(),
  nscaNg: { wrapwatch: [], sendNsca: [] },
  icinga2: [],
};
try {
  for (let run = 0; run < RUNS; run++) {
    // Alternate which client goes first.
    const order = run % 2 === 0 ? ['wrapwatch', 'sendNsca'] : ['sendNsca', 'wrapwatch'];
    for (const who of order) {
      const row =
        who === 'wrapwatch'
          ? await ngWrapwatch(ngHelper, NscaNgTransport)
          : await ngSendNsca(ngHelper, sendNsca.binary);
      out.nscaNg[who].push(row);
      process.stderr.write(`nsca-ng ${who} run ${run + 1}: ${JSON.stringify(row)}\n`);
    }
  }
  const icingaServer = await icingaHelper.startIcinga2();
  try {
    for (let run = 0; run < RUNS; run++) {
      const row = await icinga(icingaServer, Icinga2Transport);
      out.icinga2.push(row);
      process.stderr.write(`icinga2 run ${run + 1}: ${JSON.stringify(row)}\n`);
    }
  } finally {
    await icingaServer.stop();
  }
} finally {
  await rm(sendNsca.dir, { recursive: true, force: true });
}
out.summary = {
  nscaNgWrapwatch: {
    confirmed: summary(out.nscaNg.wrapwatch, 'untilConfirmed'),
    read: summary(out.nscaNg.wrapwatch, 'untilRead'),
  },
  nscaNgSendNsca: {
    confirmed: summary(out.nscaNg.sendNsca, 'untilConfirmed'),
    read: summary(out.nscaNg.sendNsca, 'untilRead'),
  },
  icinga2Wrapwatch: { confirmed: summary(out.icinga2, 'untilConfirmed') },
  // Run by run (the two ran back to back in each run): wrapwatch's time over send_nsca's.
  nscaNgRatioMedian: median(
    out.nscaNg.wrapwatch.map((w, i) => w.untilConfirmed / out.nscaNg.sendNsca[i].untilConfirmed),
  ),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
