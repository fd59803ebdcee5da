/**
 * The file tree both packages install, staged under a directory: wrapwatch's built code and
 * production dependencies beside the pinned Node runtime in /usr/lib/wrapwatch, the
 * /usr/bin/wrapwatch launcher, the unit in the family's unit directory, the config with the
 * family's log paths, man pages and docs. deb.mjs and rpm.mjs add their own metadata.
 */
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from './run.mjs';

/** What differs between the two families. */
export const FAMILIES = {
  deb: {
    // bookworm's systemd and lintian still want units under /lib (usrmerge moved them later).
    unitDir: 'lib/systemd/system',
    // sshd and rpcbind log to auth.log; xinetd, tcpd-wrapped daemons and nrpe to syslog (facility daemon).
    logPaths: ['/var/log/auth.log', '/var/log/syslog'],
  },
  rpm: {
    unitDir: 'usr/lib/systemd/system',
    // authpriv (sshd, tcpd) goes to secure; xinetd's default facility daemon goes to messages.
    logPaths: ['/var/log/secure', '/var/log/messages'],
  },
};

export const LIB_DIR = 'usr/lib/wrapwatch';

/** The node flags of the CLI's shebang (`#!/usr/bin/env -S node FLAGS`): the launcher passes them on. */
export function shebangNodeFlags(mainJs) {
  const flags = /^#!\/usr\/bin\/env -S node (.*)$/.exec(mainJs.split('\n')[0] ?? '')?.[1];
  return flags ? `${flags} ` : '';
}

const launcher = (flags) => `#!/bin/sh
# wrapwatch with the Node runtime it was packaged with: no system nodejs is used or needed.
exec /usr/lib/wrapwatch/bin/node ${flags}/usr/lib/wrapwatch/dist/wrapwatch.cjs "$@"
`;

/** Files of dependencies not needed at run time: docs, types, sources, dotfiles, tests (their licenses go to the copyright file). */
const PRUNE =
  /^(?:.*\.(?:md|markdown|html|sh|map|d\.ts|d\.mts|d\.cts|ts|mts|cts|tsbuildinfo)|LICEN[CS]E.*|licen[cs]e.*|CHANGELOG.*|\..*|tsconfig.*\.json|test|tests|docs|benchmarks?|examples?)$/;

function writeFile(path, text, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

function pruneTree(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (PRUNE.test(name) && !name.endsWith('.js')) {
      rmSync(path, { recursive: true, force: true });
    } else if (statSync(path).isDirectory()) {
      pruneTree(path);
    } else if (/\.[cm]?js$/.test(name)) {
      // A dependency's CLI script (pino/bin.js) names `#!/usr/bin/env node`: only the bundled node runs here.
      const text = readFileSync(path, 'utf8');
      if (text.startsWith('#!')) {
        writeFileSync(path, text.replace(/^#!.*\n/, ''));
        chmodSync(path, 0o644);
      }
    }
  }
}

/** The production dependencies, as npm resolved them in the repository's node_modules. */
export function productionDependencies(repoRoot) {
  return run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot })
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== repoRoot)
    .map((path) => {
      const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
      const licenseFile = readdirSync(path).find((name) => /^licen[cs]e/i.test(name));
      return {
        path,
        name: manifest.name,
        version: manifest.version,
        license: manifest.license ?? 'see upstream',
        licenseText: licenseFile ? readFileSync(join(path, licenseFile), 'utf8') : null,
      };
    });
}

/** A config file for the family: the reference config with its source.path replaced. */
export function familyConfig(referenceText, logPaths) {
  const line = /^path = "\/var\/log\/secure"$/m;
  if (!line.test(referenceText))
    throw new Error(
      'config/wrapwatch.toml no longer has the line `path = "/var/log/secure"` the packages replace with their family\'s paths',
    );
  return referenceText.replace(line, `path = [${logPaths.map((p) => JSON.stringify(p)).join(', ')}]`);
}

/**
 * The unit as the repository has it, with what only an npm install needed adjusted: the
 * program is /usr/bin/wrapwatch whatever prefix ExecStart= names, the docs are the man pages.
 */
export function packagedUnit(unitText) {
  const execStart = /^(ExecStart=[-@:+!]*)\S*\/wrapwatch(?=\s|$)/m;
  if (!execStart.test(unitText))
    throw new Error('systemd/wrapwatch.service: no ExecStart= runs wrapwatch; adjust packaging/lib/stage.mjs');
  return unitText
    .replace(execStart, '$1/usr/bin/wrapwatch')
    .replace(/^Documentation=.*$/m, 'Documentation=man:wrapwatch(8) man:wrapwatch.toml(5)');
}

export const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 });

/**
 * Stages the common tree for `family` under `root`. Returns the list of dependencies (for the
 * copyright file) and the paths of conffiles.
 */
export function stageTree({ repoRoot, root, family, version, runtime, dependencies }) {
  const f = FAMILIES[family];
  rmSync(root, { recursive: true, force: true });
  const lib = join(root, LIB_DIR);

  writeFile(
    join(root, 'usr/bin/wrapwatch'),
    launcher(shebangNodeFlags(readFileSync(join(repoRoot, 'dist/wrapwatch.cjs'), 'utf8'))),
    0o755,
  );
  mkdirSync(join(lib, 'bin'), { recursive: true });
  cpSync(runtime.node, join(lib, 'bin/node'));
  chmodSync(join(lib, 'bin/node'), 0o755);

  cpSync(join(repoRoot, 'dist'), join(lib, 'dist'), { recursive: true });
  // Started through the launcher with the bundled node; a `#!/usr/bin/env node` line would
  // point at a system nodejs the package does not depend on.
  const main = join(lib, 'dist/wrapwatch.cjs');
  writeFile(main, readFileSync(main, 'utf8').replace(/^#!.*\n/, ''));
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  // "type": "module" makes dist/*.js ES modules; version is what `wrapwatch --version` prints.
  writeFile(
    join(lib, 'package.json'),
    `${JSON.stringify({ name: manifest.name, version, description: manifest.description, type: manifest.type, license: manifest.license, private: true }, null, 2)}\n`,
  );
  for (const dep of dependencies) {
    const target = join(lib, 'node_modules', relative(join(repoRoot, 'node_modules'), dep.path));
    cpSync(dep.path, target, {
      recursive: true,
      filter: (src) => src === dep.path || !relative(dep.path, src).split('/').includes('node_modules'),
    });
    pruneTree(target);
  }

  writeFile(
    join(root, f.unitDir, 'wrapwatch.service'),
    packagedUnit(readFileSync(join(repoRoot, 'systemd/wrapwatch.service'), 'utf8')),
  );
  writeFile(
    join(root, 'etc/wrapwatch/wrapwatch.toml'),
    familyConfig(readFileSync(join(repoRoot, 'config/wrapwatch.toml'), 'utf8'), f.logPaths),
  );

  for (const [page, section] of [
    ['wrapwatch.8', 8],
    ['wrapwatch.toml.5', 5],
  ]) {
    writeFile(
      join(root, `usr/share/man/man${section}/${page}.gz`),
      gzip(readFileSync(join(repoRoot, 'packaging/man', page), 'utf8')),
    );
  }
  writeFile(join(root, 'usr/share/doc/wrapwatch/README.md'), readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  // Central collection (README): the sending and the receiving rsyslog's configs.
  for (const example of ['rsyslog-forward.conf', 'rsyslog-central.conf']) {
    writeFile(
      join(root, 'usr/share/doc/wrapwatch/examples', example),
      readFileSync(join(repoRoot, 'config', example), 'utf8'),
    );
  }
  return { conffiles: ['/etc/wrapwatch/wrapwatch.toml'] };
}
