/** Where `run` and `check-config` look for the configuration without --config. */
export const DEFAULT_CONFIG_FILE = '/etc/wrapwatch/wrapwatch.toml';
