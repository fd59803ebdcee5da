import { NSCA_FIELD_LIMITS } from './nsca/fields.js';
import type { FieldLimits, TransportType } from './transport.js';

/**
 * The field limits of each transport, known from the configured type alone: the config loader
 * checks host and service names against them, and the throttle cuts output to them, long
 * before (and without) a transport being built.
 */
export function fieldLimitsOf(type: TransportType): FieldLimits {
  switch (type) {
    case 'nsca':
      return NSCA_FIELD_LIMITS;
    case 'nsca-ng':
    case 'icinga2':
      throw new Error(`output type "${type}" is not available in this build`);
    default: {
      const unknown: never = type;
      throw new Error(`unknown output type ${String(unknown)}`);
    }
  }
}
