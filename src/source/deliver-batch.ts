import type { Logger, SourceLine } from '../types.js';
import type { LineHandler } from './line-source.js';

/** What offering a batch again and again needs from the source. */
export interface BatchOffer {
  /** The source's id, for the log. */
  readonly source: string;
  readonly onLines: LineHandler;
  readonly logger: Logger;
  /** True once the source is stopping: nothing is offered any more. */
  readonly stopping: () => boolean;
  /** Waits before the next offer; should end early when the source stops. */
  readonly pause: () => Promise<void>;
  /** What the log calls the batch's items: "line(s)", "entries". */
  readonly noun: string;
}

/**
 * The sources' backpressure and retry rule (see LineHandler): the same batch, with the same
 * sequence numbers, is offered until the handler takes it, so a failing handler never loses a
 * line. Resolves true once taken, false when the source stopped first.
 */
export async function offerUntilTaken(batch: readonly SourceLine[], offer: BatchOffer): Promise<boolean> {
  while (!offer.stopping()) {
    try {
      await offer.onLines(batch);
      return true;
    } catch (err) {
      if (offer.stopping()) return false;
      offer.logger.error(
        { source: offer.source, err },
        `the line handler failed; offering the same ${batch.length} ${offer.noun} again`,
      );
      await offer.pause();
    }
  }
  return false;
}
