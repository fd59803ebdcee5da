/**
 * A real Debian Nagios 4 (/usr/sbin/nagios4), private to one test: its own nagios.cfg, objects,
 * command FIFO, status.dat, logs and spool in a temp dir, run in the foreground (not -d), so the
 * pid we spawned is Nagios' own and `stop()` ends exactly that process. No system Nagios, no
 * systemd, no syslog (use_syslog=0), no update check.
 *
 * The objects are the README's: host `firestorm`, its volatile passive service `TCP Wrappers`
 * with a freshness check, whose check_command the test chooses (check_dummy from
 * monitoring-plugins-basic). Timings are shortened so a test sees state within seconds:
 * status.dat every second, freshness checked every second with no extra latency, check results
 * reaped every second.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { exited, killByPid, sleep, trackPid, untrackPid, waitForExit } from './child-process.js';

export const NAGIOS_BINARY = '/usr/sbin/nagios4';
export const CHECK_DUMMY = '/usr/lib/nagios/plugins/check_dummy';

export interface NagiosOptions {
  /** The service's check_command, run when its result goes stale, e.g. `check_dummy!3!"no result from wrapwatch"`. */
  readonly freshnessCommand: string;
  /** The service's freshness_threshold in seconds. */
  readonly freshnessThresholdSeconds: number;
}

/** One service's entry in status.dat. */
export interface ServiceStatus {
  readonly currentState: number;
  readonly pluginOutput: string;
  readonly performanceData: string;
  readonly lastCheck: number;
  /** 0 active (a freshness check ran its command), 1 passive (a submitted result). */
  readonly checkType: number;
}

export interface NagiosServer {
  readonly pid: number;
  readonly dir: string;
  /** The external command FIFO Nagios reads (nsca's command_file). */
  readonly commandFile: string;
  readonly logFile: string;
  /** The service's status from Nagios' own status.dat; null before Nagios wrote it. */
  serviceStatus(host: string, service: string): Promise<ServiceStatus | null>;
  running(): boolean;
  /** SIGTERM by pid (SIGKILL if it lingers), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function nagiosConfig(dir: string): string {
  const user = userInfo();
  return [
    `log_file=${join(dir, 'nagios.log')}`,
    `cfg_file=${join(dir, 'objects.cfg')}`,
    `object_cache_file=${join(dir, 'objects.cache')}`,
    `precached_object_file=${join(dir, 'objects.precache')}`,
    `resource_file=${join(dir, 'resource.cfg')}`,
    `status_file=${join(dir, 'status.dat')}`,
    'status_update_interval=1',
    `nagios_user=${user.username}`,
    `nagios_group=${user.gid}`,
    'check_external_commands=1',
    `command_file=${join(dir, 'nagios.cmd')}`,
    `query_socket=${join(dir, 'nagios.qh')}`,
    `lock_file=${join(dir, 'nagios.lock')}`,
    `temp_file=${join(dir, 'nagios.tmp')}`,
    `temp_path=${join(dir, 'tmp')}`,
    `check_result_path=${join(dir, 'checkresults')}`,
    'check_result_reaper_frequency=1',
    'retain_state_information=0',
    `state_retention_file=${join(dir, 'retention.dat')}`,
    'log_rotation_method=n',
    'use_syslog=0',
    'log_passive_checks=1',
    'log_external_commands=1',
    'check_for_updates=0',
    'bare_update_check=1',
    'enable_notifications=0',
    'execute_service_checks=1',
    'accept_passive_service_checks=1',
    'check_service_freshness=1',
    'service_freshness_check_interval=1',
    'additional_freshness_latency=0',
    'interval_length=1',
    'enable_flap_detection=0',
    'process_performance_data=0',
    '',
  ].join('\n');
}

function objectsConfig(options: NagiosOptions): string {
  return `define command {
    command_name    check_dummy
    command_line    ${CHECK_DUMMY} $ARG1$ $ARG2$
}
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday          00:00-24:00
    monday          00:00-24:00
    tuesday         00:00-24:00
    wednesday       00:00-24:00
    thursday        00:00-24:00
    friday          00:00-24:00
    saturday        00:00-24:00
}
define contact {
    contact_name                    nobody
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      check_dummy
    service_notification_commands   check_dummy
}
define host {
    host_name               firestorm
    address                 127.0.0.1
    check_command           check_dummy!0
    active_checks_enabled   0
    passive_checks_enabled  1
    max_check_attempts      1
    check_period            24x7
    contacts                nobody
    notification_period     24x7
}
define service {
    host_name               firestorm
    service_description     TCP Wrappers
    active_checks_enabled   0
    passive_checks_enabled  1
    is_volatile             1
    max_check_attempts      1
    check_interval          60
    retry_interval          60
    check_period            24x7
    contacts                nobody
    notification_period     24x7
    check_command           ${options.freshnessCommand}
    check_freshness         1
    freshness_threshold     ${options.freshnessThresholdSeconds}
}
`;
}

/** servicestatus { ... } blocks of status.dat, as key/value maps. */
function serviceBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  for (const match of text.matchAll(/servicestatus \{\n([\s\S]*?)\n\s*\}/g)) {
    const fields = new Map<string, string>();
    for (const line of (match[1] ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) fields.set(line.slice(0, eq).trim(), line.slice(eq + 1));
    }
    blocks.push(fields);
  }
  return blocks;
}

export async function startNagios(options: NagiosOptions): Promise<NagiosServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-nagios-'));
  const configFile = join(dir, 'nagios.cfg');
  const commandFile = join(dir, 'nagios.cmd');
  const logFile = join(dir, 'nagios.log');
  await mkdir(join(dir, 'tmp'));
  await mkdir(join(dir, 'checkresults'));
  await writeFile(configFile, nagiosConfig(dir));
  await writeFile(join(dir, 'objects.cfg'), objectsConfig(options));
  await writeFile(join(dir, 'resource.cfg'), '$USER1$=/usr/lib/nagios/plugins\n');

  let output = '';
  const child = spawn(NAGIOS_BINARY, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const pid = child.pid;
  if (pid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot start ${NAGIOS_BINARY} (is nagios4-core installed?)`);
  }
  trackPid(pid);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited(child)) {
        killByPid(pid, 'SIGTERM');
        if (!(await waitForExit(child, 5000))) {
          killByPid(pid, 'SIGKILL');
          await waitForExit(child, 5000);
        }
      }
      untrackPid(pid);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  // Ready once the FIFO exists and status.dat was written (the event loop runs).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const fifo = await stat(commandFile).catch(() => null);
    const status = await stat(join(dir, 'status.dat')).catch(() => null);
    if (fifo?.isFIFO() === true && status !== null) break;
    if (exited(child) || Date.now() > deadline) {
      await stop();
      throw new Error(
        `nagios4 did not come up (${exited(child) ? `exited ${String(child.exitCode)}` : 'timeout'}): ${output}`,
      );
    }
    await sleep(50);
  }

  return {
    pid,
    dir,
    commandFile,
    logFile,
    async serviceStatus(host, service) {
      const text = await readFile(join(dir, 'status.dat'), 'utf8').catch(() => '');
      const block = serviceBlocks(text).find(
        (b) => b.get('host_name') === host && b.get('service_description') === service,
      );
      if (block === undefined) return null;
      return {
        currentState: Number(block.get('current_state')),
        pluginOutput: block.get('plugin_output') ?? '',
        performanceData: block.get('performance_data') ?? '',
        lastCheck: Number(block.get('last_check')),
        checkType: Number(block.get('check_type')),
      };
    },
    running: () => !exited(child),
    stop,
  };
}
