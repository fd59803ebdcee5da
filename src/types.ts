import type { FailureReason, Transport } from './sink/transport.js';

/**
 * The values that pass between wrapwatch's stages, in pipeline order:
 *
 *   source  --SourceLine-->  parse  --RefusalEvent-->  throttle  --Alert-->  sink
 *      \                                                                       |
 *       `------------- state (checkpoint) <-- positions committed after delivery
 *
 * Every line carries the position just after it and a sequence number. A position is
 * committed only once every refusal read before it is delivered (or folded into a
 * result that was): the throttle and the sink each report the oldest sequence number
 * they still hold, and the daemon commits below the smaller of the two.
 */

/** Monotonic per-process line number across all sources; orders events for commits. */
export type Seq = number;

/** What makes "the same file" across renames: inode reuse is caught by the fingerprint. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  /** Hex SHA-256 of the first `fingerprintBytes` bytes of the file ("" while it is empty). */
  readonly fingerprint: string;
  readonly fingerprintBytes: number;
}

/** Where reading resumes after a line: the offset just past its newline, or a journal cursor. */
export type SourcePosition =
  | { readonly kind: 'file'; readonly path: string; readonly identity: FileIdentity; readonly offset: number }
  | { readonly kind: 'journal'; readonly cursor: string };

/** Fields journald sets itself (trusted) next to what the sender claimed (untrusted). */
export interface JournalRecord {
  readonly identifier: string;
  readonly pid: number | null;
  readonly message: string;
  readonly hostname: string;
  readonly time: Date;
  /** `_COMM`/`_EXE`: set by journald from the kernel, not by the sender. */
  readonly trustedComm: string | null;
  readonly trustedExe: string | null;
  readonly trustedPid: number | null;
}

/** One complete line from a source. */
export interface SourceLine {
  /** The configured source it came from (a path, or "journal"); checkpoints are kept per source. */
  readonly sourceId: string;
  readonly seq: Seq;
  /** The line without its newline, decoded as UTF-8 (invalid input is caught before this). */
  readonly text: string;
  /** Position just after this line: commit it once this line and all before it are delivered. */
  readonly position: SourcePosition;
  /** Set by the journal source: the parser uses these instead of parsing a syslog header. */
  readonly journal?: JournalRecord;
  /**
   * Set when the source skipped the line (counted in its stats): `text` is then "" and `journal`
   * absent, so nothing reaches the parser. It is still delivered because its position must be
   * committable, or a log full of junk would never advance its checkpoint.
   */
  readonly defect?: SkipReason;
}

/** Why a line was not looked at: every skipped line is counted under one of these. */
export type SkipReason = 'too-long' | 'binary' | 'invalid-utf8' | 'unknown-header' | 'forged';

/**
 * Why a line that carries a refusal phrase (see parse/prefilter.ts) was not reported. Every such
 * line is counted under one of these, so nothing is dropped without a trace.
 */
export type NotReportedReason =
  /** No syslog header wrapwatch knows: nothing in it can be trusted. */
  | 'unknown-header'
  /** A journal identifier no syslog tag could be (blank, bracket, colon, control character). */
  | 'bad-tag'
  /** A refusal message from a daemon that always logs `[pid]`, without one: a `logger -t` forgery. */
  | 'missing-pid'
  /** A refusal format whose address is no valid IP (`127.0.0.256`, nine IPv6 groups): malformed or forged. */
  | 'invalid-address'
  /**
   * The phrase occurs but the message is no refusal format: someone else's "Connection refused",
   * attacker text quoted inside a longer message, nrpe's "Connection refused by TCP wrapper"
   * (its `refused connect from` line follows and is reported).
   */
  | 'not-a-refusal';

export type HeaderFormat = 'rfc3164' | 'rfc3339' | 'rfc5424' | 'journal';

/** A syslog line split into its header fields and message; nothing here is trusted but the shape. */
export interface SyslogRecord {
  readonly format: HeaderFormat;
  readonly time: Date;
  /** The header's UTC offset in minutes (traditional headers: the configured zone's). */
  readonly utcOffsetMinutes: number;
  readonly host: string;
  /** The tag (program name) without `[pid]`. */
  readonly tag: string;
  readonly pid: number | null;
  readonly message: string;
}

/** Which refusal format matched; names the line shape, not the daemon. */
export type RefusalKind =
  | 'libwrap' // "refused connect from CLIENT (ADDR)": sshd, tcpd-wrapped daemons, nrpe
  | 'xinetd-libwrap' // "libwrap refused connection to SVC (libwrap=NAME) from ADDR"
  | 'xinetd-fail' // "FAIL: SVC libwrap from=ADDR"
  | 'rpcbind' // "connect from ADDR to PROC(PROG): request from unauthorized host"
  | 'stunnel' // "LOG4[N]: Service [SVC] REFUSED by libwrap from ADDR:PORT"
  | 'socat' // "W refusing connection from AF=.. ADDR:PORT due to tcpwrapper option"
  | 'inetd' // openbsd-inetd "refused connection from ADDR, service SVC (PROTO)"
  | 'tftpd'; // tftpd-hpa "connection refused from ADDR"

export type AddressFamily = 4 | 6;

/**
 * What a refusal line tells about who was refused. Handle it with an exhaustive switch: only a
 * `client-address` names the attacker; the other two must never pose as an address.
 */
export type RefusalPeer =
  /** The client's numeric address as the daemon took it from the socket, normalised (v4-mapped -> v4, RFC 5952, zone kept). */
  | { readonly kind: 'client-address'; readonly address: string; readonly family: AddressFamily }
  /**
   * tftpd-hpa logs `inet_ntop(myaddr)`, the address the request came IN on (its own, or `0.0.0.0`/`::`
   * when it listens on the wildcard): the client is not in the log at all.
   */
  | { readonly kind: 'server-address'; readonly serverAddress: string; readonly family: AddressFamily }
  /** openbsd-inetd after a forced name lookup logs only the client text (`client`): no address. */
  | { readonly kind: 'name-only' };

/** One refused connection (or `count` of them, for rsyslog's "message repeated N times"). */
export interface RefusalEvent {
  readonly kind: RefusalKind;
  /** When the daemon logged it (from the header); the NSCA server stamps its own time. */
  readonly time: Date;
  /** The header's UTC offset in minutes (east positive), so the time prints as the log wrote it. */
  readonly utcOffsetMinutes?: number;
  /** The syslog HOSTNAME field: the host that refused. */
  readonly host: string;
  /** The syslog tag without `[pid]`. */
  readonly daemon: string;
  readonly pid: number | null;
  /** xinetd service id, the wrapped daemon's name, stunnel's service; null where none is logged. */
  readonly service: string | null;
  /** What the line tells about the refused peer; only `client-address` identifies an attacker. */
  readonly peer: RefusalPeer;
  /** The logged client text (name, user@host), sanitised to printable ASCII; attacker-controlled. */
  readonly client: string | null;
  /** Refusals this line stands for: 1, or N for "message repeated N times". */
  readonly count: number;
}

/** A refusal event with the bookkeeping the daemon needs for commits. */
export interface SequencedEvent {
  readonly seq: Seq;
  readonly event: RefusalEvent;
}

/** What the sink sends: one NSCA passive check result. */
export interface PassiveCheckResult {
  readonly host: string;
  /** Empty for a host check result. */
  readonly service: string;
  readonly status: number;
  /** Plugin output, perfdata after `|` included. */
  readonly output: string;
}

/** A result produced by the throttle, with what it accounts for. */
export interface Alert extends PassiveCheckResult {
  /** Refusal events this result accounts for (its perfdata `refusals=`); 0 for a heartbeat. */
  readonly refusals: number;
  /** Distinct source keys it accounts for (its perfdata `sources=`). */
  readonly sources: number;
  /** Lowest sequence number among the events it accounts for; null when it covers none. */
  readonly oldestSeq: Seq | null;
  readonly reason: 'first' | 'follow-up' | 'storm' | 'overflow' | 'heartbeat';
}

/**
 * The logging calls every stage makes; pino's logger satisfies it (pino is set up by the daemon).
 * `obj` carries the structured fields, `msg` the sentence a sysadmin reads.
 */
export interface Logger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What the sink reports for the daemon's stats line. */
export interface SinkStats {
  /**
   * `up` after a delivery worked, `down` after one failed, `unknown` before the first try;
   * `none (dry run)` when results are printed instead of sent (no receiver is contacted).
   */
  readonly receiver: 'unknown' | 'up' | 'down' | 'none (dry run)';
  /** Results waiting (or being sent); at most `output.max_pending_results`. */
  readonly pending: number;
  /** Results delivered: the receiver proved it consumed them (see sink/transport.ts). */
  readonly sent: number;
  /** Results folded into an overflow summary because the buffer was full. */
  readonly overflowed: number;
  /** Results that broke the NSCA field rules and were dropped (logged one by one). */
  readonly invalid: number;
  /** Delivery attempts that failed. */
  readonly failures: number;
  /** The same, by why they failed. */
  readonly failuresByReason: Readonly<Partial<Record<FailureReason, number>>>;
  /** Results the receiver answered it will never take (e.g. no such object); dropped. */
  readonly refused: number;
  /** The same, by the transport's reason (`unknown-object`, `too-large`, `bad-request`). */
  readonly refusedByReason?: Readonly<Record<string, number>>;
  // What `wrapwatch status` and `check` show of the receiver. Optional: a sink that leaves them
  // out is still shown, with up/down times the status reporter saw itself (to its interval).
  /** The transport's name (`nsca`, `nsca-ng`, `icinga2`). */
  readonly transport?: string;
  /** Where results go: host:port or URL. */
  readonly endpoint?: string;
  /** When `receiver` last changed (epoch ms); null while it is `unknown`. */
  readonly receiverSince?: number | null;
  /** When results were last confirmed delivered (epoch ms); null before the first. */
  readonly lastDeliveryAt?: number | null;
  /** The most recent failed delivery; null when none failed since the start. */
  readonly lastError?: DeliveryErrorSummary | null;
}

/** A failed delivery as status shows it. */
export interface DeliveryErrorSummary {
  /** Epoch ms. */
  readonly at: number;
  /** Why, as a stats key (`unreachable`, `hung-up`, `rejected`, ...). */
  readonly reason: string;
  /** The sentence logged for it. */
  readonly message: string;
}

/**
 * The last stage: takes results and delivers them, holding them through receiver outages.
 * `submit` never blocks and never throws: past its bound it folds results into counts that
 * are delivered later as one summary, so every refusal stays counted.
 */
export interface ResultSink {
  submit(alerts: readonly Alert[]): void;
  /** SIGHUP: deliver this way from now on; what is held is kept and goes there. */
  retarget(target: SinkTarget): void;
  /** Lowest `oldestSeq` among results not yet delivered; null when everything is delivered. */
  oldestPendingSeq(): Seq | null;
  /** Waits until everything is delivered or `timeoutMs` passes; true when nothing is left. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops retrying and releases timers; pending results stay undelivered (and uncommitted). */
  close(): Promise<void>;
  stats(): SinkStats;
}

/** How the sink holds results and retries, whatever the transport (`[output]`). */
export interface SinkSettings {
  readonly max_pending_results: number;
  readonly reconnect_min_seconds: number;
  readonly reconnect_max_seconds: number;
}

/**
 * Where and how a sink delivers: a transport (its prepared type hidden: the sink hands each
 * transport only what that transport prepared) and the sink's own settings. A reload may hand
 * the sink a new one.
 */
export interface SinkTarget {
  readonly transport: Transport<unknown>;
  readonly settings: SinkSettings;
}

/**
 * Injectable time, so throttle windows and timeouts are tested without sleeping. What only
 * reads the time takes a Clock; what also sets timers takes a `Scheduler` (src/time/scheduler.ts),
 * which is one, and the real one is `realScheduler`.
 */
export interface Clock {
  now(): number;
}
