import type { Config } from '../config/load.js';
import type { SinkTarget } from '../types.js';
import { NscaTransport } from './nsca/nsca-transport.js';

/**
 * The one place that turns `[output] type` into a transport. Each type's settings come from its
 * own table ([nsca] for "nsca"); the sink's settings from [output] (see config/load.ts).
 */
export function createSinkTarget(config: Config): SinkTarget {
  const { type, ...settings } = config.output;
  switch (type) {
    case 'nsca':
      return { transport: new NscaTransport(config.nsca), settings };
    default: {
      const unknown: never = type;
      throw new Error(`unknown output type ${String(unknown)}`);
    }
  }
}
