/**
 * For the packaging tests: build the .deb/.rpm with packaging/build.mjs into a temp dir, run
 * system tools without a shell, retry dpkg while another dpkg holds its lock, and run a
 * command in a private mount namespace where every `node` on the machine is covered by
 * /dev/null: what a host without Node looks like to the packaged wrapwatch.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './built-dist.js';

export const MANIFEST_VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (no shell) and resolves with its status and output, whatever the status. */
export function exec(
  program: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Like exec, but a non-zero status is an error that shows the output. */
export async function execOk(
  program: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const run = await exec(program, args, options);
  if (run.code !== 0) throw new Error(`${program} ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** `node packaging/build.mjs --fast` for one format and version; returns the package file. */
export async function buildPackage(
  format: 'deb' | 'rpm',
  version: string,
  outDir: string,
  workDir: string,
): Promise<string> {
  const out = await execOk(
    process.execPath,
    [
      join(REPO_ROOT, 'packaging/build.mjs'),
      '--fast',
      '--formats',
      format,
      '--version',
      version,
      '--out',
      outDir,
      '--work',
      workDir,
    ],
    { timeoutMs: 240_000 },
  );
  const file = out.trim().split('\n').at(-1);
  if (file === undefined || file === '') throw new Error(`packaging/build.mjs printed no package file:\n${out}`);
  return file;
}

/** dpkg with ARGS, waiting (up to 2 min) while another dpkg or apt holds the lock. */
export async function dpkg(args: readonly string[]): Promise<Run> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const run = await exec('dpkg', args);
    if (run.code === 0 || !/lock/i.test(run.stderr) || Date.now() > deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const HIDE_NODE = `set -e
for n in $(which -a node nodejs 2>/dev/null); do mount --bind /dev/null "$(readlink -f "$n")"; done
if node -e 0 2>/dev/null; then echo "a node still runs: $(command -v node)" >&2; exit 99; fi
exec "$@"`;

/** COMMAND prefixed so that it runs where no node can be executed (private mount namespace). */
export function withoutNode(command: readonly string[]): [string, ...string[]] {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', HIDE_NODE, 'sh', ...command];
}

/**
 * A machine-wide lock (a directory holding the owner's pid) around installing the package:
 * several checkouts' test runs on one machine take turns instead of failing on each other's
 * install. A lock whose owner is gone (a killed run) is taken over. Resolves with the release.
 */
export async function lockMachine(name: string, timeoutMs: number): Promise<() => Promise<void>> {
  const dir = join('/run/lock', name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && !isAlive(owner)) await rm(dir, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new Error(
        `${dir} is held by pid ${owner} (another run of the packaging tests) for more than ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
