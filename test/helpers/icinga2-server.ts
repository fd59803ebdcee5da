/**
 * A real Debian Icinga 2 (`icinga2 daemon` from icinga2-bin) on 127.0.0.1, private to one test
 * file: its whole config, state, logs and certificates in a temp dir, every path passed as a
 * define (ZonesDir too, or it reads /etc/icinga2/zones.d), ICINGA2_USER/GROUP set to the caller
 * so it never switches to `nagios`. It runs in the foreground; `stop()` ends exactly its pid.
 *
 * The config: the API feature on a free port, an ApiUser limited to
 * `actions/process-check-result` and object queries, one with object queries only (to see what
 * a missing permission looks like), host `firestorm` with the passive, volatile service
 * `TCP Wrappers`. The CA and node certificate are made with openssl (RSA-2048, CN and DNS name
 * `localhost`, as `icinga2 pki` names them); a second, unrelated CA lets a test present a
 * certificate the client must not trust.
 *
 * Node built-ins and sibling helpers only: test/bench/ transpiles and imports it as well.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, isStopped, killByPid, sleep, trackPid, untrackPid, waitForExit } from './child-process.js';

export const ICINGA2_BINARY = '/usr/sbin/icinga2';

export const API_USER = { user: 'wrapwatch', password: 'icinga-test-password' } as const;
/** Allowed to query objects, not to submit results. */
export const QUERY_ONLY_USER = { user: 'reader', password: 'reader-password' } as const;
export const NODE_NAME = 'localhost';

export interface Icinga2Server {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** https://127.0.0.1:port */
  readonly url: string;
  /** The CA that signed the server's certificate. */
  readonly caFile: string;
  /** A CA that signed nothing of this server's. */
  readonly otherCaFile: string;
  /** The certificate's name (DNS:localhost); the URL's host is an IP. */
  readonly serverName: string;
  /** What the daemon printed so far. */
  log(): string;
  /** An API call as `user` (default the wrapwatch user); the body is parsed JSON. */
  api(
    method: string,
    path: string,
    body?: unknown,
    user?: { user: string; password: string },
  ): Promise<{ status: number; body: unknown }>;
  /**
   * Every service result Icinga processed, as its PerfdataWriter wrote them (rotated every
   * second; what is still in the temp file is not seen yet): `host!service\tSTATE=n\tOUTPUT=…\tPERF=…`.
   */
  processedResults(): Promise<string[]>;
  /** The service's attributes (state, last_check_result…) as the API reports them. */
  service(host: string, service: string): Promise<Record<string, unknown>>;
  /**
   * SIGSTOP / SIGCONT to the worker: `icinga2 daemon` (our pid) is an umbrella process whose
   * forked child does the work, so stopping the umbrella alone freezes nothing.
   */
  freeze(): Promise<void>;
  thaw(): void;
  running(): boolean;
  /** SIGTERM by pid (SIGKILL if it lingers); with `keepDir` the dir stays for a restart. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export interface Icinga2Options {
  /** Reuse this dir (config, certificates, state) and its port: a restart after stop({keepDir}). */
  readonly restartOf?: Icinga2Server;
  readonly startTimeoutMs?: number;
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A CA and a node certificate signed by it, as Icinga's ApiListener expects them in certs/. */
async function makeCertificates(certsDir: string): Promise<{ caFile: string; otherCaFile: string }> {
  await mkdir(certsDir, { recursive: true });
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      ...subj('wrapwatch test CA'),
    ],
    certsDir,
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other-ca.key',
      '-out',
      'other-ca.crt',
      '-days',
      '3650',
      ...subj('some other CA'),
    ],
    certsDir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${NODE_NAME}.key`,
      '-out',
      `${NODE_NAME}.csr`,
      ...subj(NODE_NAME),
    ],
    certsDir,
  );
  await writeFile(
    join(certsDir, 'node.ext'),
    `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${NODE_NAME}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${NODE_NAME}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${NODE_NAME}.crt`,
      '-days',
      '365',
      '-extfile',
      'node.ext',
    ],
    certsDir,
  );
  return { caFile: join(certsDir, 'ca.crt'), otherCaFile: join(certsDir, 'other-ca.crt') };
}

// The certificates lie where ApiListener looks for them: DataDir/certs/<NodeName>.crt|key, ca.crt.
function icingaConfig(port: number, perfdataDir: string): string {
  const str = (s: string) => JSON.stringify(s);
  return `// written by test/helpers/icinga2-server.ts
const NodeName = ${str(NODE_NAME)}
const ZoneName = ${str(NODE_NAME)}

object Endpoint NodeName {}
object Zone ZoneName { endpoints = [ NodeName ] }

object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = ${port}
  accept_config = false
  accept_commands = false
}

object ApiUser ${str(API_USER.user)} {
  password = ${str(API_USER.password)}
  permissions = [ "actions/process-check-result", "objects/query/Host", "objects/query/Service" ]
}

object ApiUser ${str(QUERY_ONLY_USER.user)} {
  password = ${str(QUERY_ONLY_USER.password)}
  permissions = [ "objects/query/Host", "objects/query/Service" ]
}

object CheckCommand "passive" { command = [ "/bin/true" ] }

// Every check result Icinga processed, one line each: the API shows only the last one.
object PerfdataWriter "every-result" {
  service_temp_path = ${str(join(perfdataDir, 'service.tmp'))}
  host_temp_path = ${str(join(perfdataDir, 'host.tmp'))}
  service_perfdata_path = ${str(join(perfdataDir, 'service'))}
  host_perfdata_path = ${str(join(perfdataDir, 'host'))}
  service_format_template = "$host.name$!$service.name$\tSTATE=$service.state_id$\tOUTPUT=$service.output$\tPERF=$service.perfdata$"
  host_format_template = "$host.name$\tSTATE=$host.state_id$\tOUTPUT=$host.output$\tPERF=$host.perfdata$"
  rotation_interval = 1s
}

object Host "firestorm" {
  check_command = "passive"
  enable_active_checks = false
  max_check_attempts = 1
}

object Service "TCP Wrappers" {
  host_name = "firestorm"
  check_command = "passive"
  enable_active_checks = false
  volatile = true
  max_check_attempts = 1
}
`;
}

/** Every descendant of `pid` (the children of each of its threads, recursively). */
function childPids(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number)) {
        found.push(child, ...childPids(child));
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return found;
}

function callApi(
  port: number,
  ca: Buffer,
  method: string,
  path: string,
  body: unknown,
  user: { user: string; password: string },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca,
        servername: NODE_NAME,
        auth: `${user.user}:${user.password}`,
        agent: false,
        headers: {
          Accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function startIcinga2(options: Icinga2Options = {}): Promise<Icinga2Server> {
  const previous = options.restartOf;
  const dir = previous?.dir ?? (await mkdtemp(join(tmpdir(), 'wrapwatch-icinga2-')));
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const paths = {
    ConfigDir: join(dir, 'etc'),
    DataDir: join(dir, 'lib'),
    LogDir: join(dir, 'log'),
    CacheDir: join(dir, 'cache'),
    SpoolDir: join(dir, 'spool'),
    InitRunDir: join(dir, 'run'),
    ZonesDir: join(dir, 'etc', 'zones.d'),
  };
  const certsDir = join(paths.DataDir, 'certs');
  const perfdataDir = join(dir, 'perfdata');
  const configFile = join(paths.ConfigDir, 'icinga2.conf');
  try {
    let port = previous?.port ?? 0;
    let ca = { caFile: join(certsDir, 'ca.crt'), otherCaFile: join(certsDir, 'other-ca.crt') };
    if (!previous) {
      for (const path of [...Object.values(paths), perfdataDir]) await mkdir(path, { recursive: true });
      ca = await makeCertificates(certsDir);
      port = await freePort();
      await writeFile(configFile, icingaConfig(port, perfdataDir));
    }
    const caBytes = await readFile(ca.caFile);
    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    const defines = Object.entries(paths).flatMap(([name, value]) => ['-D', `${name}=${value}`]);
    const child = spawn(ICINGA2_BINARY, ['daemon', '-c', configFile, ...defines], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ICINGA2_USER: userInfo().username, ICINGA2_GROUP: group },
    });
    let log = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => (log += text));
    }
    const pid = child.pid;
    if (pid === undefined) {
      await new Promise((resolve) => child.once('error', resolve));
      throw new Error(`cannot start ${ICINGA2_BINARY} (are icinga2-bin and icinga2-common installed?)`);
    }
    trackPid(pid);

    for (;;) {
      if (exited(child))
        throw new Error(`icinga2 exited at start (code ${String(child.exitCode)}); its output:\n${log.slice(-4000)}`);
      try {
        const answer = await callApi(port, caBytes, 'GET', '/v1/objects/services', undefined, API_USER);
        if (answer.status === 200) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() >= deadline) {
        killByPid(pid, 'SIGKILL');
        await waitForExit(child, 5000);
        untrackPid(pid);
        throw new Error(
          `icinga2 (pid ${pid}) did not answer on 127.0.0.1:${port} in time; its output:\n${log.slice(-4000)}`,
        );
      }
      await sleep(50);
    }

    let stopped: Promise<void> | undefined;
    const api: Icinga2Server['api'] = (method, path, body, user = API_USER) =>
      callApi(port, caBytes, method, path, body, user);
    return {
      port,
      pid,
      dir,
      url: `https://127.0.0.1:${port}`,
      caFile: ca.caFile,
      otherCaFile: ca.otherCaFile,
      serverName: NODE_NAME,
      log: () => log,
      api,
      async processedResults() {
        const files = (await readdir(perfdataDir))
          .filter((f) => f.startsWith('service.') && f !== 'service.tmp')
          .sort();
        const lines: string[] = [];
        for (const file of files)
          for (const line of (await readFile(join(perfdataDir, file), 'utf8')).split('\n'))
            if (line !== '') lines.push(line);
        return lines;
      },
      async service(host, service) {
        const answer = await api('GET', `/v1/objects/services/${encodeURIComponent(`${host}!${service}`)}`);
        const results = (answer.body as { results?: { attrs: Record<string, unknown> }[] }).results;
        const attrs = results?.[0]?.attrs;
        if (answer.status !== 200 || !attrs)
          throw new Error(`GET service ${host}!${service}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
        return attrs;
      },
      async freeze() {
        const workers = childPids(pid);
        if (workers.length === 0) throw new Error(`icinga2 (pid ${pid}) has no worker process to freeze`);
        for (const worker of workers) killByPid(worker, 'SIGSTOP');
        // kill() returns before a running process has stopped: wait until each one has.
        const until = Date.now() + 5000;
        while (!workers.every(isStopped) && Date.now() < until) await sleep(5);
      },
      thaw: () => {
        for (const worker of childPids(pid)) killByPid(worker, 'SIGCONT');
      },
      running: () => !exited(child),
      stop(stopOptions = {}) {
        stopped ??= (async () => {
          if (!exited(child)) {
            killByPid(pid, 'SIGTERM');
            if (!(await waitForExit(child, 10_000))) {
              killByPid(pid, 'SIGKILL');
              await waitForExit(child, 5000);
            }
          }
          untrackPid(pid);
          if (!stopOptions.keepDir) await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    if (!previous) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
