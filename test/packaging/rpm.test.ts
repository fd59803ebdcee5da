/**
 * The .rpm, built with packaging/build.mjs and examined with rpm itself: its file list,
 * dependencies (no nodejs), scriptlets and config flags; then installed into a temporary root
 * (rpm --root, no dependencies or scriptlets: the temp root has no RHEL userland) and its
 * wrapwatch run from there with every node on the machine hidden.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalLine } from '../helpers/daemon-process.js';
import { MANIFEST_VERSION, buildPackage, exec, execOk, withoutNode } from '../helpers/packages.js';

const isRoot = process.getuid?.() === 0;
let dir = '';
let rpmFile = '';

describe('the .rpm', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapwatch-rpm-'));
    rpmFile = await buildPackage('rpm', MANIFEST_VERSION, join(dir, 'out'), join(dir, 'work'));
  }, 240_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('is named wrapwatch-<version>-1.x86_64.rpm and lists the program, runtime, unit, config, man pages and licenses (rpm -qlp)', async () => {
    expect(rpmFile).toMatch(new RegExp(`/wrapwatch-${MANIFEST_VERSION.replaceAll('.', '\\.')}-1\\.x86_64\\.rpm$`));
    const files = (await execOk('rpm', ['-qlp', rpmFile])).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        '/usr/bin/wrapwatch',
        '/usr/lib/wrapwatch/bin/node',
        '/usr/lib/wrapwatch/dist/wrapwatch.cjs',
        '/usr/lib/wrapwatch/package.json',
        '/usr/lib/systemd/system/wrapwatch.service',
        '/etc/wrapwatch/wrapwatch.toml',
        '/usr/share/man/man8/wrapwatch.8.gz',
        '/usr/share/man/man5/wrapwatch.toml.5.gz',
        '/usr/share/licenses/wrapwatch/LICENSE',
        '/usr/share/licenses/wrapwatch/LICENSE.node',
        '/usr/share/doc/wrapwatch/examples/rsyslog-central.conf',
      ]),
    );
    // No build-id links that would clash with a system nodejs, nothing under /lib.
    expect(files.filter((f) => f.startsWith('/usr/lib/.build-id') || f.startsWith('/lib/'))).toEqual([]);
    // The config is %config(noreplace): an edited file survives an upgrade (flags c = config, n = noreplace).
    const flags = await execOk('rpm', ['-qp', '--queryformat', '[%{FILENAMES} %{FILEFLAGS:fflags}\\n]', rpmFile]);
    expect(flags).toMatch(/^\/etc\/wrapwatch\/wrapwatch\.toml cn$/m);
    expect(await execOk('rpm', ['-qp', '--changelog', rpmFile])).toMatch(
      new RegExp(`^\\* \\w{3} \\w{3} \\d+ \\d{4} .+ - ${MANIFEST_VERSION.replaceAll('.', '\\.')}-1$`, 'm'),
    );
  });

  it('requires only the C/C++ runtime and a shell, never nodejs (rpm --requires)', async () => {
    const requires = (await execOk('rpm', ['-qp', '--requires', rpmFile])).trim().split('\n');
    expect(requires.filter((r) => /node|\/usr\/bin\/env/i.test(r))).toEqual([]);
    expect(requires).toContain('libc.so.6(GLIBC_2.28)(64bit)');
    const unexpected = requires.filter(
      (r) =>
        !/^(\/bin\/sh|rpmlib\(.*\).*|rtld\(GNU_HASH\)|config\(wrapwatch\) = .*|(ld-linux-x86-64|libc|libdl|libm|libpthread|libgcc_s|libstdc\+\+)\.so\.[\d.]+\(.*\)\(64bit\))$/.test(
          r,
        ),
    );
    expect(unexpected).toEqual([]);
  });

  it('has systemd scriptlets in the %systemd_post/preun/postun way that never fail (rpm --scripts)', async () => {
    const scripts = await execOk('rpm', ['-qp', '--scripts', rpmFile]);
    expect(scripts).toMatch(
      /postinstall scriptlet[^\n]*\nif \[ \$1 -eq 1 \]; then\n\s+systemctl --no-reload preset wrapwatch\.service >\/dev\/null 2>&1 \|\| :\nfi/,
    );
    expect(scripts).toMatch(
      /preuninstall scriptlet[^\n]*\nif \[ \$1 -eq 0 \]; then\n\s+systemctl --no-reload disable --now wrapwatch\.service >\/dev\/null 2>&1 \|\| :\nfi/,
    );
    expect(scripts).toMatch(
      /postuninstall scriptlet[\s\S]*if \[ \$1 -ge 1 \]; then\n\s+systemctl try-restart wrapwatch\.service >\/dev\/null 2>&1 \|\| :\nfi/,
    );
    // Never `enable --now` or `start`: the package does not start the service by itself.
    expect(scripts).not.toMatch(/systemctl (?:start|enable|restart)\b/);
    for (const line of scripts.split('\n').filter((l) => l.includes('systemctl')))
      expect(line, line).toMatch(/\|\| :$/);
  });

  it.skipIf(!isRoot)(
    'installed into a temporary root, its wrapwatch prints its version and parses a log with no node on the machine; upgrade keeps an edited config, erase saves it',
    async () => {
      const root = join(dir, 'root');
      const install = await exec('rpm', ['--root', root, '--nodeps', '--noscripts', '--notriggers', '-i', rpmFile]);
      expect(install.code, install.stderr).toBe(0);
      // The launcher runs the bundled node on the bundled code; from the temp root, the same two paths under it.
      const launcher = readFileSync(join(root, 'usr/bin/wrapwatch'), 'utf8');
      // with the node flags of the CLI's shebang (V8's heap sizes), as an npm-installed wrapwatch runs.
      expect(launcher).toMatch(
        /^exec \/usr\/lib\/wrapwatch\/bin\/node --max-semi-space-size=2 \/usr\/lib\/wrapwatch\/dist\/wrapwatch\.cjs "\$@"$/m,
      );
      const wrapwatch = withoutNode([
        join(root, 'usr/lib/wrapwatch/bin/node'),
        join(root, 'usr/lib/wrapwatch/dist/wrapwatch.cjs'),
      ]);
      const run = (args: readonly string[]) => exec(wrapwatch[0], [...wrapwatch.slice(1), ...args]);

      expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `wrapwatch ${MANIFEST_VERSION}\n` });
      const log = join(dir, 'secure');
      await writeFile(
        log,
        [
          refusalLine('198.51.100.7', { pid: 7 }),
          refusalLine('::ffff:192.0.2.9', { daemon: 'in.ftpd', pid: 8 }),
          'not a syslog line',
        ].join('\n') + '\n',
      );
      const parsed = await run(['parse', '--json', '--timezone', 'UTC', log]);
      expect(parsed.code, parsed.stderr).toBe(0);
      expect(
        parsed.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { daemon: string; address: string }),
      ).toMatchObject([
        { daemon: 'sshd', address: '198.51.100.7' },
        { daemon: 'in.ftpd', address: '192.0.2.9' },
      ]);
      // RHEL's family: authpriv to secure, xinetd's facility daemon to messages.
      expect(readFileSync(join(root, 'etc/wrapwatch/wrapwatch.toml'), 'utf8')).toMatch(
        /^path = \["\/var\/log\/secure", "\/var\/log\/messages"\]$/m,
      );
      const check = await run(['check-config', '--config', join(root, 'etc/wrapwatch/wrapwatch.toml')]);
      expect(check.code, check.stderr).toBe(0);

      // rpm -U to a rebuilt higher version keeps the edited %config(noreplace) file; rpm -e saves it.
      const config = join(root, 'etc/wrapwatch/wrapwatch.toml');
      const edited = `${readFileSync(config, 'utf8')}\n# edited by the admin\n`;
      await writeFile(config, edited);
      const upgradeVersion = `${MANIFEST_VERSION}+upgrade1`;
      const upgradeRpm = await buildPackage('rpm', upgradeVersion, join(dir, 'upgrade'), join(dir, 'work'));
      const upgrade = await exec('rpm', ['--root', root, '--nodeps', '--noscripts', '--notriggers', '-U', upgradeRpm]);
      expect(upgrade.code, upgrade.stderr).toBe(0);
      expect(await execOk('rpm', ['--root', root, '-q', '--queryformat', '%{VERSION}', 'wrapwatch'])).toBe(
        upgradeVersion,
      );
      expect((await run(['--version'])).stdout).toBe(`wrapwatch ${upgradeVersion}\n`);
      expect(readFileSync(config, 'utf8')).toBe(edited);
      const erase = await exec('rpm', ['--root', root, '--nodeps', '--noscripts', '-e', 'wrapwatch']);
      expect(erase.code, erase.stderr).toBe(0);
      expect(existsSync(join(root, 'usr/lib/wrapwatch'))).toBe(false);
      expect(readFileSync(`${config}.rpmsave`, 'utf8')).toBe(edited);
    },
    120_000,
  );
});
