import { z } from 'zod';
import { assertTimeZone } from '../parse/time.js';
import { icinga2Schema, nscaNgSchema } from './transport-tables.js';
import { HOST_NAME_FIELDS, OUTPUT_FIELDS, unknownTemplateFields } from '../throttle/template.js';
import { ENCRYPTION_METHODS } from '../sink/nsca/methods.js';

/**
 * The whole configuration, validated in one place. Every table is strict: an unknown key
 * is an error, because a typo such as `windw_seconds` must not silently fall back to a default.
 * Defaults live here and nowhere else; config/wrapwatch.toml documents them for operators.
 */

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const seconds = (min: number, max: number) => z.number().min(min).max(max);
const nonEmpty = z.string().min(1);

/**
 * A template field the throttle does not know is a shape error, listed with the others; the
 * throttle's template module owns the rule (and the literal-text rules it applies at compile).
 */
const template = (allowed: readonly string[]) =>
  z.string().superRefine((value, ctx) => {
    for (const problem of unknownTemplateFields(value, allowed))
      ctx.addIssue({ code: 'custom', message: problem.message });
  });

const journalSchema = z.strictObject({
  /** Read these journal files instead of the system journal (tests, or exported journals). */
  files: z.array(nonEmpty).default([]),
  /** Read the journal in this directory instead of the system journal. */
  directory: nonEmpty.optional(),
  /** Drop entries whose trusted `_COMM`/`_EXE` does not match the claimed identifier. */
  reject_forged: z.boolean().default(true),
  journalctl: nonEmpty.default('journalctl'),
});

const sourceSchema = z.strictObject({
  type: z.enum(['file', 'journal']).default('file'),
  /** One log file or several; each keeps its own checkpoint. */
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]).default('/var/log/secure'),
  start_at: z.enum(['end', 'beginning']).default('end'),
  max_line_bytes: int(256, 16 * 1024 * 1024).default(64 * 1024),
  /** How long a rotated-away file stays open for late writers (rsyslog writes on until its HUP). */
  rotation_grace_seconds: seconds(0, 3600).default(5),
  /** Polling fallback: this often without a directory watcher, 10x less often with one. */
  poll_interval_ms: int(50, 60_000).default(1000),
  /** IANA zone for traditional headers, which carry no offset; default: the machine's zone. */
  timezone: nonEmpty
    .refine((zone) => {
      try {
        assertTimeZone(zone);
        return true;
      } catch {
        return false;
      }
    }, 'unknown time zone; use an IANA name such as "UTC" or "Europe/Berlin"')
    .optional(),
  journal: journalSchema.prefault({}),
});

const stateSchema = z.strictObject({
  directory: nonEmpty.default('/var/lib/wrapwatch'),
  /** Delivered positions are written to disk at most this often (each write is fsynced). */
  commit_interval_seconds: seconds(0, 3600).default(1),
  /**
   * What `wrapwatch status` and `check` read. "" (default): status.json in systemd's
   * RuntimeDirectory= ($RUNTIME_DIRECTORY, /run/wrapwatch), none outside systemd.
   */
  status_file: z.string().default(''),
  /** The status file is rewritten this often (and at once on a start, reload or stop). */
  status_interval_seconds: seconds(1, 60).default(5),
  /**
   * The whole stop (deliver what is pending, commit, exit) takes at most this long, whatever the
   * receiver does; keep it below the unit's TimeoutStopSec (30 s) or systemd kills the process.
   */
  stop_timeout_seconds: seconds(1, 3600).default(20),
});

/**
 * How the sink holds results and retries, whatever the transport. Optional here and resolved by
 * the loader (see sinkSettingsFrom): they belong in [output], and are still read from [nsca]
 * where configs written before [output] have them; giving one in both is an error.
 */
const sinkSettingsShape = {
  /** Results held while the receiver is away; past this they fold into a summary. */
  max_pending_results: int(1, 1_000_000).optional(),
  reconnect_min_seconds: seconds(0.01, 3600).optional(),
  reconnect_max_seconds: seconds(0.01, 86_400).optional(),
};

export const SINK_SETTINGS_DEFAULTS = {
  max_pending_results: 10_000,
  reconnect_min_seconds: 1,
  reconnect_max_seconds: 60,
} as const;

const nscaSchema = z
  .strictObject({
    host: nonEmpty.default('127.0.0.1'),
    port: int(1, 65535).default(5667),
    encryption: z
      .number()
      .int()
      .refine((n) => (ENCRYPTION_METHODS as readonly number[]).includes(n), {
        error: `unsupported encryption method; supported: ${ENCRYPTION_METHODS.join(', ')} (0 none, 1 XOR, 2 DES, 3 3DES, 4 CAST-128, 8 Blowfish, 14 RIJNDAEL-128)`,
      })
      .default(1),
    password: z.string().optional(),
    password_file: nonEmpty.optional(),
    /** Name of a systemd credential (LoadCredential=) holding the password. */
    password_credential: nonEmpty.optional(),
    timeout_seconds: seconds(0.1, 300).default(10),
    /**
     * How long an open connection waits, idle, for more results before it is closed and
     * confirmed; also the most the rejection watch after a lone packet may last.
     */
    linger_ms: int(0, 10_000).default(300),
    // The sink's settings, kept here for configs written before [output]; see sinkSettingsShape.
    ...sinkSettingsShape,
  })
  .superRefine((nsca, ctx) => {
    const given = (['password', 'password_file', 'password_credential'] as const).filter((k) => nsca[k] !== undefined);
    if (given.length > 1) {
      for (const key of given) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `set only one of password, password_file, password_credential (found ${given.join(', ')})`,
        });
      }
    }
  });

/** Ways of reaching the receiver; `[output] type` picks one (see sink/create-transport.ts). */
export const OUTPUT_TYPES = ['nsca', 'nsca-ng', 'icinga2'] as const;

const outputSchema = z.strictObject({
  type: z.enum(OUTPUT_TYPES).default('nsca'),
  ...sinkSettingsShape,
});

const reportSchema = z.strictObject({
  /** Nagios host the results are for; "{host}" takes it from each line's syslog host field. */
  host_name: template(HOST_NAME_FIELDS).optional(),
  service: nonEmpty.default('TCP Wrappers'),
  status: int(0, 3).default(2),
  output: template(OUTPUT_FIELDS).default('Denied {daemon_service} from {address}'),
  /** Send an OK result when nothing was sent for this long (0: never). */
  heartbeat_seconds: seconds(0, 86_400).default(0),
});

const throttleSchema = z.strictObject({
  window_seconds: seconds(0, 86_400).default(60),
  max_results_per_minute: int(1, 100_000).default(30),
  max_tracked_sources: int(1, 10_000_000).default(10_000),
  /** IPv6 sources are grouped by this prefix: one attacker owns a whole /64. */
  ipv6_prefix: int(1, 128).default(64),
  /** Sources named in a storm summary. */
  storm_top: int(0, 50).default(5),
});

const ruleSchema = z.strictObject({
  daemons: nonEmpty.default('ALL'),
  clients: nonEmpty.default('ALL'),
  ignore: z.boolean().default(false),
  status: int(0, 3).optional(),
  service: nonEmpty.optional(),
  host_name: template(HOST_NAME_FIELDS).optional(),
  window_seconds: seconds(0, 86_400).optional(),
});

const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** A stats line this often (0: never). */
  stats_interval_seconds: seconds(0, 86_400).default(300),
});

export const configSchema = z.strictObject({
  source: sourceSchema.prefault({}),
  state: stateSchema.prefault({}),
  output: outputSchema.prefault({}),
  nsca: nscaSchema.prefault({}),
  /** Only when present: the transports other than NSCA have no defaults worth printing. */
  nsca_ng: nscaNgSchema.optional(),
  icinga2: icinga2Schema.optional(),
  report: reportSchema.prefault({}),
  throttle: throttleSchema.prefault({}),
  rule: z.array(ruleSchema).default([]),
  log: logSchema.prefault({}),
});

/** The schema's output before secrets and defaults that need the machine are resolved. */
export type ParsedConfig = z.output<typeof configSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
