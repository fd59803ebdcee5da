/**
 * The .rpm: the staged tree plus licenses, packed by rpmbuild from a spec filled in from
 * packaging/rpm/wrapwatch.spec.in, in a private _topdir under build/.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChangelog, rpmChangelog } from './changelog.mjs';
import { run } from './run.mjs';

export const RPM_RELEASE = '1';

export function buildRpm({ repoRoot, root, workDir, outFile, version, runtime, dependencies, fast }) {
  const licenses = join(root, 'usr/share/licenses/wrapwatch');
  mkdirSync(licenses, { recursive: true });
  copyFileSync(join(repoRoot, 'LICENSE'), join(licenses, 'LICENSE'));
  copyFileSync(runtime.license, join(licenses, 'LICENSE.node'));
  writeFileSync(
    join(licenses, 'THIRD-PARTY'),
    dependencies
      .map((d) => `${d.name} ${d.version} (${d.license})\n\n${d.licenseText ?? 'no license file shipped'}`.trimEnd())
      .join('\n\n----\n\n') + '\n',
  );

  const topdir = join(workDir, 'rpmbuild');
  rmSync(topdir, { recursive: true, force: true });
  for (const d of ['SPECS', 'RPMS', 'BUILD', 'BUILDROOT']) mkdirSync(join(topdir, d), { recursive: true });
  const spec = join(topdir, 'SPECS/wrapwatch.spec');
  writeFileSync(
    spec,
    readFileSync(join(repoRoot, 'packaging/rpm/wrapwatch.spec.in'), 'utf8')
      .replaceAll('@VERSION@', version)
      .replaceAll('@RELEASE@', RPM_RELEASE)
      .replaceAll('@NODE_VERSION@', runtime.version)
      .replaceAll('@STAGE@', root)
      .replace(
        '@CHANGELOG@',
        rpmChangelog(parseChangelog(readFileSync(join(repoRoot, 'packaging/changelog'), 'utf8')), RPM_RELEASE),
      ),
  );
  run('rpmbuild', [
    '-bb',
    '--quiet',
    '--define',
    `_topdir ${topdir}`,
    '--define',
    '_rpmdir %{_topdir}/RPMS',
    '--define',
    `_binary_payload ${fast ? 'w1.gzdio' : 'w6.xzdio'}`,
    spec,
  ]);
  const built = join(topdir, 'RPMS/x86_64', `wrapwatch-${version}-${RPM_RELEASE}.x86_64.rpm`);
  if (!existsSync(built)) throw new Error(`rpmbuild finished but ${built} is not there`);
  copyFileSync(built, outFile);
  rmSync(topdir, { recursive: true, force: true });
  return outFile;
}
