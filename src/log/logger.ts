import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * The daemon's log: pino JSON lines on stdout, one per event, attacker text always inside
 * JSON strings. Two presentations of the same lines:
 * - under systemd (JOURNAL_STREAM set), each line starts with the syslog priority `<N>`,
 *   which journald strips and stores (SyslogLevelPrefix=), so `journalctl -p warning` works;
 * - on a terminal, a readable line: time, level, message, then the fields as key=value.
 */

export type LogFormat = 'json' | 'journal' | 'pretty';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** pino level numbers -> syslog priorities (trace/debug 7, info 6, warn 4, error 3, fatal 2). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_AT_START = /^\{"level":(\d+)/;

/** Which presentation fits where stdout goes. */
export function chooseLogFormat(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): LogFormat {
  if (env.JOURNAL_STREAM) return 'journal';
  return stdoutIsTTY ? 'pretty' : 'json';
}

/** Control characters and the like as JSON escapes: what is printed cannot move a terminal's cursor. */
const escaped = (text: string) => JSON.stringify(text).slice(1, -1);

/**
 * One pino JSON line as a readable line: `time LEVEL message  key=value ...`. `fullTime` prints
 * the date too (reading a journal of many days). A line that is not a JSON object is printed
 * escaped, never raw.
 */
export function prettyLogLine(line: string, options: { readonly fullTime?: boolean } = {}): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return `${escaped(line)}\n`;
    record = parsed as Record<string, unknown>;
  } catch {
    return `${escaped(line)}\n`;
  }
  const { level, time, msg, pid: _pid, hostname: _host, ...fields } = record;
  const iso = typeof time === 'number' && Number.isFinite(time) ? new Date(time).toISOString() : '';
  const when = options.fullTime === true ? iso : iso.slice(11, 23);
  const name = LEVEL_NAMES[typeof level === 'number' ? level : 30] ?? String(level);
  // Values go through JSON.stringify, so a hostile client name cannot move the cursor or forge a line.
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`)
    .join(' ');
  return `${when} ${escaped(name).padEnd(5)} ${typeof msg === 'string' ? escaped(msg) : ''}${rest ? `  ${rest}` : ''}\n`;
}

function pretty(line: string): string {
  return prettyLogLine(line);
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go (default: stdout, synchronously, so nothing is lost at exit). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): PinoLogger {
  const streamWrite =
    options.format === 'journal'
      ? (line: string) => {
          const level = LEVEL_AT_START.exec(line);
          return `<${syslogPriority(level ? Number(level[1]) : 30)}>${line}`;
        }
      : options.format === 'pretty'
        ? pretty
        : undefined;
  return pino(
    {
      level: options.level,
      base: undefined,
      hooks: streamWrite ? { streamWrite } : {},
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
