/**
 * Fields `report.output` may use. They belong to the throttle, which renders them; the config
 * schema imports this list (the throttle imports nothing from the config loader: no cycle).
 */
export const OUTPUT_FIELDS = [
  'daemon',
  'daemon_service',
  'service',
  'address',
  'client',
  'host',
  'count',
  'first',
  'last',
] as const;
