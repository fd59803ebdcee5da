import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Tests that run the built code in a child process (`npm test` builds first) fail clearly
 * when dist/ is missing or older than the sources it comes from, instead of testing stale code.
 */
export function assertBuilt(dirs: readonly string[]): void {
  let newest = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(join(ROOT, 'src', dir))) {
      if (!name.endsWith('.ts')) continue;
      const built = join(ROOT, 'dist', dir, name.replace(/\.ts$/, '.js'));
      const builtMs = existsSync(built) ? statSync(built).mtimeMs : -1;
      if (builtMs < statSync(join(ROOT, 'src', dir, name)).mtimeMs) {
        throw new Error(
          `dist/${dir}/${name.replace(/\.ts$/, '.js')} is missing or older than its source: run "npm run build" first`,
        );
      }
      newest = Math.max(newest, builtMs);
    }
  }
  // What runs is the bundle made from those files (packaging/bundle.mjs), not the files.
  for (const bundle of ['wrapwatch.cjs', 'commands/run.cjs', 'config/load-process.cjs']) {
    const built = join(ROOT, 'dist', bundle);
    if (!existsSync(built) || statSync(built).mtimeMs < newest)
      throw new Error(`dist/${bundle} is missing or older than dist/: run "npm run build" first`);
  }
}

export const REPO_ROOT = ROOT;
