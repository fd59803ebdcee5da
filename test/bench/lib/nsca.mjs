// The benchmarks' real nsca servers come from the tests' helper (test/helpers/nsca-server.ts):
// one private /usr/sbin/nsca per measurement, on 127.0.0.1, with its own config and command file.
// The helper is TypeScript; lib/ts-helper.mjs transpiles it on the fly.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTestHelper } from './ts-helper.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../..');
export const CLI = join(REPO_ROOT, 'dist/wrapwatch.cjs');
/**
 * The node flags of the CLI's shebang (`#!/usr/bin/env -S node FLAGS`): the installed command
 * runs with them, so every benchmark that runs `node CLI` passes them too.
 */
export const CLI_NODE_FLAGS = (
  /^#!\/usr\/bin\/env -S node (.*)$/m.exec(
    readFileSync(join(REPO_ROOT, 'src/cli/main.ts'), 'utf8').split('\n')[0] ?? '',
  )?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);

export function loadNscaHelper() {
  return loadTestHelper('nsca-server');
}

/** Results in an nsca command file: `[time] PROCESS_SERVICE_CHECK_RESULT;host;service;status;output`. */
export function parseCommandLine(line) {
  const m = /^\[(\d+)\] PROCESS_(?:SERVICE|HOST)_CHECK_RESULT;([^;]*);(.*)$/.exec(line);
  if (!m) return null;
  const refusals = /\| refusals=(\d+) sources=(\d+)/.exec(line);
  return {
    time: Number(m[1]),
    host: m[2],
    rest: m[3],
    refusals: refusals ? Number(refusals[1]) : 0,
    sources: refusals ? Number(refusals[2]) : 0,
  };
}
