import { parseArgs } from 'node:util';
import {
  DEFAULT_CRITICAL,
  DEFAULT_WARNING,
  evaluateCheck,
  METRICS,
  parseThresholds,
  UNKNOWN,
  type Thresholds,
} from '../status/check-evaluation.js';
import { oneLine } from '../status/format.js';
import { readStatusFile } from '../status/status-file.js';
import { statusFileFor } from '../status/status-file-option.js';
import { wrapwatchVersion } from '../version.js';
import { realScheduler } from '../time/scheduler.js';

const USAGE = `usage: wrapwatch check [-w METRIC=RANGE,...] [-c METRIC=RANGE,...] [-f STATUS_FILE | --config FILE] [-V]

A Nagios/Icinga plugin (for NRPE or the Icinga agent) that checks wrapwatch itself from its
status file: one line "WRAPWATCH <STATE> - text | perfdata", exit 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN.

CRITICAL whatever the ranges: no status file (not running), the daemon's pid is gone, or it
stopped. Otherwise each measure is checked against its ranges:
  age       seconds since the daemon last wrote its status (hung?)
  down      seconds the receiver has been down
  behind    bytes of log not read yet
  pending   results waiting for delivery
  refusals  refusals in the last minute
  delivery  seconds since the last confirmed delivery
  -w, --warning LIST    default ${DEFAULT_WARNING}
  -c, --critical LIST   default ${DEFAULT_CRITICAL}
A LIST entry replaces that measure's default; METRIC=off drops it. RANGE is the Monitoring
Plugins syntax: 10 (above 10 or below 0), 10: (below 10), ~:10 (above 10), 10:20 (outside),
@10:20 (inside).
  -f, --status-file FILE  default: [state] status_file from --config, else /run/wrapwatch/status.json
  --config FILE           read status_file from this config`;

const unknown = (text: string): number => {
  process.stdout.write(`WRAPWATCH UNKNOWN - ${oneLine(text, 600)}\n`);
  return UNKNOWN;
};

export async function main(argv: string[]): Promise<number> {
  let values: {
    warning?: string;
    critical?: string;
    'status-file'?: string;
    config?: string;
    help?: boolean;
    version?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        warning: { type: 'string', short: 'w' },
        critical: { type: 'string', short: 'c' },
        'status-file': { type: 'string', short: 'f' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${USAGE}\n`);
    return unknown(`bad arguments: ${err instanceof Error ? err.message : String(err)}`);
  }
  // -h and -V answer and exit UNKNOWN, as the Monitoring Plugins do: they are no check result.
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return UNKNOWN;
  }
  if (values.version === true) {
    process.stdout.write(`wrapwatch check ${wrapwatchVersion()}\n`);
    return UNKNOWN;
  }
  let warning: Thresholds;
  let critical: Thresholds;
  try {
    warning = parseThresholds(values.warning, DEFAULT_WARNING);
    critical = parseThresholds(values.critical, DEFAULT_CRITICAL);
  } catch (err) {
    return unknown(
      `bad threshold: ${err instanceof Error ? err.message : String(err)} (measures: ${METRICS.join(', ')})`,
    );
  }
  let path: string;
  try {
    path = await statusFileFor(values['status-file'], values.config);
  } catch (err) {
    return unknown(`cannot read the config for status_file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const outcome = evaluateCheck(await readStatusFile(path), realScheduler.now(), warning, critical);
  process.stdout.write(`${outcome.line}\n`);
  return outcome.code;
}
