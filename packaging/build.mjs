#!/usr/bin/env node
/**
 * npm run package: build/packages/wrapwatch_<version>_amd64.deb and
 * build/packages/wrapwatch-<version>-1.x86_64.rpm from the built dist/, the production
 * dependencies in node_modules and the pinned Node runtime (packaging/runtime.json).
 *
 *   node packaging/build.mjs [--version V] [--out DIR] [--work DIR] [--formats deb,rpm] [--fast]
 *
 * --version overrides package.json's (tests build a higher one to check upgrades); --work is
 * where trees are staged (default build/work). The runtime is cached in build/cache. --fast
 * compresses with gzip -1 instead of xz (same contents, 2x larger, seconds instead of a
 * minute): what the tests build.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDeb } from './lib/deb.mjs';
import { RPM_RELEASE, buildRpm } from './lib/rpm.mjs';
import { prepareRuntime } from './lib/runtime.mjs';
import { productionDependencies, stageTree } from './lib/stage.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    version: { type: 'string' },
    out: { type: 'string' },
    work: { type: 'string' },
    formats: { type: 'string' },
    fast: { type: 'boolean' },
  },
});
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const version = values.version ?? manifest.version;
if (!/^[0-9][A-Za-z0-9.+~]*$/.test(version))
  throw new Error(
    `--version ${version}: use digits, letters, ".", "+" and "~" only (no "-": both formats use it to separate the release)`,
  );
const outDir = values.out ?? join(repoRoot, 'build/packages');
const workDir = values.work ?? join(repoRoot, 'build/work');
const formats = (values.formats ?? 'deb,rpm').split(',');
const maintainer = process.env.WRAPWATCH_MAINTAINER ?? 'wrapwatch maintainers <wrapwatch@example.org>';

if (!existsSync(join(repoRoot, 'dist/wrapwatch.cjs')))
  throw new Error('dist/ is missing: run "npm run build" first (npm run package does)');
mkdirSync(outDir, { recursive: true });
const runtime = prepareRuntime(
  JSON.parse(readFileSync(join(repoRoot, 'packaging/runtime.json'), 'utf8')),
  join(repoRoot, 'build/cache'),
);
const dependencies = productionDependencies(repoRoot);

for (const format of formats) {
  const root = join(workDir, `stage-${format}`);
  const common = { repoRoot, root, version, runtime, dependencies, fast: values.fast === true };
  switch (format) {
    case 'deb': {
      const { conffiles } = stageTree({ ...common, family: 'deb' });
      const file = buildDeb({
        ...common,
        conffiles,
        maintainer,
        outFile: join(outDir, `wrapwatch_${version}_amd64.deb`),
      });
      process.stdout.write(`${file}\n`);
      break;
    }
    case 'rpm': {
      stageTree({ ...common, family: 'rpm' });
      const file = buildRpm({
        ...common,
        workDir,
        outFile: join(outDir, `wrapwatch-${version}-${RPM_RELEASE}.x86_64.rpm`),
      });
      process.stdout.write(`${file}\n`);
      break;
    }
    default:
      throw new Error(`--formats: unknown format "${format}" (deb, rpm)`);
  }
  rmSync(root, { recursive: true, force: true });
}
