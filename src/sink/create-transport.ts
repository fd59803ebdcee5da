import type { Config } from '../config/load.js';
import type { SinkTarget } from '../types.js';
import type { Transport } from './transport.js';

/** Builds the receiver's transport and the sink's settings from a configuration of one `[output] type`. */
export type SinkTargetFactory = (config: Config) => SinkTarget;

type OutputType = Config['output']['type'];

/**
 * The one place that turns `[output] type` into a transport. Each type's settings come from its
 * own table ([nsca] for "nsca"); the sink's settings from [output] (see config/load.ts).
 *
 * Only the selected transport's modules are imported: NSCA-ng brings in TLS, Icinga 2 the HTTPS
 * client, and a daemon that uses neither would otherwise carry about 1 MiB of them resident for
 * its whole life (BENCHMARKS.md, "Daemon idle memory"). A reload that selects another type loads its
 * factory before applying the new configuration.
 */
export async function loadSinkTargetFactory(type: OutputType): Promise<SinkTargetFactory> {
  switch (type) {
    case 'nsca': {
      const { NscaTransport } = await import('./nsca/nsca-transport.js');
      return factoryFor(type, (config) => new NscaTransport(config.nsca));
    }
    case 'nsca-ng': {
      const { NscaNgTransport } = await import('./nsca-ng/nsca-ng-transport.js');
      return factoryFor(type, (config) => new NscaNgTransport({ settings: requireTable(config.nsca_ng, 'nsca_ng') }));
    }
    case 'icinga2': {
      const { Icinga2Transport } = await import('./icinga2/icinga2-transport.js');
      return factoryFor(type, (config) => new Icinga2Transport({ settings: requireTable(config.icinga2, 'icinga2') }));
    }
    default: {
      const unknown: never = type;
      throw new Error(`unknown output type ${String(unknown)}`);
    }
  }
}

function factoryFor<T>(type: OutputType, build: (config: Config) => Transport<T>): SinkTargetFactory {
  return (config) => {
    const { type: selected, ...settings } = config.output;
    if (selected !== type) {
      throw new Error(`bug: [output] type "${selected}" was given to the factory loaded for "${type}"`);
    }
    return { transport: build(config), settings };
  };
}

/** The loader guarantees the selected type's table; its absence here is a bug. */
function requireTable<T>(table: T | undefined, name: string): T {
  if (table === undefined) throw new Error(`bug: [output] selects a transport whose [${name}] table was not loaded`);
  return table;
}
