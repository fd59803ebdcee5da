import { ICINGA2_LIMITS } from './icinga2/check-result.js';
import { NSCA_FIELD_LIMITS } from './nsca/fields.js';
import { NSCA_NG_LIMITS } from './nsca-ng/command.js';
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
      return NSCA_NG_LIMITS;
    case 'icinga2':
      return ICINGA2_LIMITS;
    default: {
      const unknown: never = type;
      throw new Error(`unknown output type ${String(unknown)}`);
    }
  }
}
