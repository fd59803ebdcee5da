import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import { DEFAULT_STATUS_FILE } from './status-file.js';

/**
 * The status file `status` and `check` read: `--status-file`, else the config's
 * `[state] status_file` when `--config` is given and sets one, else systemd's default.
 * Only that one key is read, so a config whose secrets this user cannot see still works.
 */
export async function statusFileFor(statusFile: string | undefined, configFile: string | undefined): Promise<string> {
  if (statusFile !== undefined && statusFile !== '') return statusFile;
  if (configFile === undefined) return DEFAULT_STATUS_FILE;
  const doc = parse(await readFile(configFile, 'utf8'));
  const state = doc.state;
  const configured =
    typeof state === 'object' && !Array.isArray(state) && 'status_file' in state ? state.status_file : undefined;
  return typeof configured === 'string' && configured !== '' ? configured : DEFAULT_STATUS_FILE;
}
