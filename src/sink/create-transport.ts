import type { Config } from '../config/load.js';
import type { SinkTarget } from '../types.js';
import { Icinga2Transport } from './icinga2/icinga2-transport.js';
import { NscaTransport } from './nsca/nsca-transport.js';
import { NscaNgTransport } from './nsca-ng/nsca-ng-transport.js';

/**
 * The one place that turns `[output] type` into a transport. Each type's settings come from its
 * own table ([nsca] for "nsca"); the sink's settings from [output] (see config/load.ts).
 */
export function createSinkTarget(config: Config): SinkTarget {
  const { type, ...settings } = config.output;
  switch (type) {
    case 'nsca':
      return { transport: new NscaTransport(config.nsca), settings };
    case 'nsca-ng':
      return { transport: new NscaNgTransport({ settings: requireTable(config.nsca_ng, 'nsca_ng') }), settings };
    case 'icinga2':
      return { transport: new Icinga2Transport({ settings: requireTable(config.icinga2, 'icinga2') }), settings };
    default: {
      const unknown: never = type;
      throw new Error(`unknown output type ${String(unknown)}`);
    }
  }
}

/** The loader guarantees the selected type's table; its absence here is a bug. */
function requireTable<T>(table: T | undefined, name: string): T {
  if (table === undefined) throw new Error(`bug: [output] selects a transport whose [${name}] table was not loaded`);
  return table;
}
