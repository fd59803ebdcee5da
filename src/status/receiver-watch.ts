import type { SinkStats } from '../types.js';

/** The receiver's state and since when, and the last delivery, as epoch ms. */
export interface ReceiverTimes {
  readonly since: number;
  readonly lastDeliveryAt: number | null;
}

/**
 * Up/down-since and last-delivery times for a sink that does not report them itself: taken
 * from what changed between two looks at its stats, so they are accurate to the status
 * interval. A sink's own times win whenever it gives them.
 */
export class ReceiverWatch {
  private state: SinkStats['receiver'] | null = null;
  private since: number;
  private sent = 0;
  private lastDeliveryAt: number | null = null;

  constructor(startedAt: number) {
    this.since = startedAt;
  }

  observe(stats: SinkStats, now: number): ReceiverTimes {
    if (this.state !== null && stats.receiver !== this.state) this.since = now;
    this.state = stats.receiver;
    if (stats.sent > this.sent) this.lastDeliveryAt = now;
    this.sent = stats.sent;
    return {
      since: stats.receiverSince ?? this.since,
      lastDeliveryAt: stats.lastDeliveryAt !== undefined ? stats.lastDeliveryAt : this.lastDeliveryAt,
    };
  }
}
