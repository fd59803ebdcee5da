import { z } from 'zod';
import { STATUS_FORMAT } from './status-format.js';

/**
 * What the daemon writes to its status file and `wrapwatch status` / `check` read: one JSON
 * object, times as ISO 8601 UTC strings; `format` is STATUS_FORMAT. The daemon imports only
 * the types from here (the schema is for readers).
 */
export { STATUS_FORMAT };

const time = z.iso.datetime({ offset: true });
const windows = z.strictObject({ m1: z.number(), m5: z.number(), m15: z.number() });

export const statusDocumentSchema = z.object({
  format: z.literal(STATUS_FORMAT),
  version: z.string(),
  pid: z.number().int().positive(),
  /** `stopped` is written last by a daemon that ended normally. */
  state: z.enum(['starting', 'running', 'reloading', 'stopping', 'stopped']),
  startedAt: time,
  writtenAt: time,
  /** How often the daemon rewrites the file while running: the reader's yardstick for "stale". */
  intervalSeconds: z.number().positive(),
  config: z.object({ file: z.string(), loadedAt: time }),
  sources: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['file', 'journal']),
      /** Where reading has got to (bytes, in the file being read); null before the first read or for the journal. */
      offset: z.number().nullable(),
      /** The followed path's size now; null when it cannot be seen (missing, journal). */
      size: z.number().nullable(),
      bytesBehind: z.number(),
      lastRotationAt: time.nullable(),
      rotations: z.number(),
      truncations: z.number(),
      lines: z.number(),
    }),
  ),
  receiver: z.object({
    transport: z.string(),
    endpoint: z.string(),
    state: z.enum(['unknown', 'up', 'down', 'none (dry run)']),
    /** Since when `state` holds (the start, while unknown). */
    since: time,
    lastDeliveryAt: time.nullable(),
    lastError: z.object({ at: time, reason: z.string(), message: z.string() }).nullable(),
    failures: z.number(),
    failuresByReason: z.record(z.string(), z.number()),
  }),
  results: z.object({
    pending: z.number(),
    overflowed: z.number(),
    sent: z.number(),
    invalid: z.number(),
    refused: z.number(),
  }),
  recent: z.object({ refusals: windows, results: windows }),
  busiest: z.array(
    z.object({
      address: z.string(),
      daemon: z.string(),
      service: z.string(),
      host: z.string(),
      refusals: z.number(),
      pending: z.number(),
      windowEndsAt: time,
    }),
  ),
  checkpoint: z.object({ lastCommitAt: time.nullable(), lastError: z.string().nullable() }),
  /** Every counter the daemon keeps, as in its stats log line. */
  counters: z.record(z.string(), z.unknown()),
});

export type StatusDocument = z.infer<typeof statusDocumentSchema>;
export type DaemonState = StatusDocument['state'];
