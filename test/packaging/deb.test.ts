/**
 * The .deb on this machine, for real: built with packaging/build.mjs, installed with dpkg,
 * run with every node on the machine hidden, upgraded, removed and purged. The machine is
 * restored afterwards (purge, even on failure). Needs root; refuses to run where wrapwatch
 * is already installed or its config or state directory exists, so it never touches a real one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  refusalLine,
  startDaemon,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';
import { runCli } from '../helpers/cli.js';
import { loadCorpus } from '../helpers/corpus.js';
import {
  MANIFEST_VERSION,
  buildPackage,
  dpkg,
  exec,
  execOk,
  lockMachine,
  withoutNode,
  type Run,
} from '../helpers/packages.js';

useE2eLifecycle();

const isRoot = process.getuid?.() === 0;
const UPGRADE_VERSION = `${MANIFEST_VERSION}+upgrade1`;
const UNIT = '/lib/systemd/system/wrapwatch.service';
const CONFFILE = '/etc/wrapwatch/wrapwatch.toml';
const STATE_DIR = '/var/lib/wrapwatch';
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

let dir = '';
let firstDeb = '';
let upgradeDeb = '';
let lintian: Promise<Run> | null = null;
let releaseLock: (() => Promise<void>) | null = null;
/** Set once this test installed the package: afterAll purges only then. */
let installedHere = false;

const packagedCommand = withoutNode(['/usr/bin/wrapwatch']);
const wrapwatchWithoutNode = (args: readonly string[]) =>
  exec(packagedCommand[0], [...packagedCommand.slice(1), ...args]);

function assertNotThere(): void {
  for (const path of ['/etc/wrapwatch', STATE_DIR, '/var/lib/private/wrapwatch', '/usr/lib/wrapwatch']) {
    if (existsSync(path))
      throw new Error(
        `${path} exists: this test installs and purges the wrapwatch package and will not run on a machine that has one`,
      );
  }
}

describe.skipIf(!isRoot)('the .deb, installed with dpkg on this machine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapwatch-deb-'));
    firstDeb = await buildPackage('deb', MANIFEST_VERSION, join(dir, 'first'), join(dir, 'work'));
    // lintian takes half a minute: it runs while the install tests do.
    lintian = exec('lintian', ['--fail-on', 'none', firstDeb], { timeoutMs: 240_000 });
    upgradeDeb = await buildPackage('deb', UPGRADE_VERSION, join(dir, 'upgrade'), join(dir, 'work'));
    // Another checkout's run of this test on the same machine installs the same package: take turns.
    releaseLock = await lockMachine('wrapwatch-deb-test', 200_000);
    if ((await exec('dpkg-query', ['-W', 'wrapwatch'])).code === 0)
      throw new Error('the wrapwatch package is installed on this machine: this test will not touch it');
    assertNotThere();
  }, 480_000);

  afterAll(async () => {
    try {
      if (installedHere) {
        const purge = await dpkg(['--purge', 'wrapwatch']);
        if (purge.code !== 0) throw new Error(`could not purge the test's wrapwatch package: ${purge.stderr}`);
      }
    } finally {
      await releaseLock?.();
      await lintian?.catch(() => undefined);
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('is named wrapwatch_<version>_amd64.deb and installs with dpkg -i: program, runtime, unit, conffile, man pages, copyright, changelog', async () => {
    expect(firstDeb).toMatch(new RegExp(`/wrapwatch_${MANIFEST_VERSION.replaceAll('.', '\\.')}_amd64\\.deb$`));
    const control = await execOk('dpkg-deb', ['--field', firstDeb, 'Depends']);
    expect(control).not.toMatch(/node/);
    installedHere = true;
    const install = await dpkg(['-i', firstDeb]);
    expect(install.code, install.stderr).toBe(0);

    for (const path of [
      '/usr/bin/wrapwatch',
      '/usr/lib/wrapwatch/bin/node',
      '/usr/lib/wrapwatch/dist/wrapwatch.cjs',
      UNIT,
      CONFFILE,
      '/usr/share/man/man8/wrapwatch.8.gz',
      '/usr/share/man/man5/wrapwatch.toml.5.gz',
      '/usr/share/doc/wrapwatch/copyright',
      '/usr/share/doc/wrapwatch/changelog.gz',
      '/usr/share/doc/wrapwatch/examples/rsyslog-central.conf',
    ]) {
      expect(existsSync(path), path).toBe(true);
    }
    expect((await execOk('dpkg-query', ['--control-show', 'wrapwatch', 'conffiles'])).trim()).toBe(CONFFILE);
    // Debian's family: sshd logs to auth.log, xinetd/tcpd/nrpe to syslog.
    expect(readFileSync(CONFFILE, 'utf8')).toMatch(/^path = \["\/var\/log\/auth\.log", "\/var\/log\/syslog"\]$/m);
    // Installed, neither enabled nor started: it needs the receiver's address first.
    expect(existsSync('/etc/systemd/system/multi-user.target.wants/wrapwatch.service')).toBe(false);
    const man = await execOk('man', ['--warnings', '-l', '/usr/share/man/man8/wrapwatch.8.gz'], {
      env: { ...process.env, MANWIDTH: '80' },
    });
    expect(man).toMatch(/wrapwatch - report TCP wrappers/);
  });

  it('runs with no node on the machine: --version, check-config of the installed config', async () => {
    const nodeHidden = await exec(packagedCommand[0], [...packagedCommand.slice(1, -1), 'node', '-e', '0']);
    expect(nodeHidden.code, 'node must not run in the namespace the package is tried in').not.toBe(0);

    const version = await wrapwatchWithoutNode(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `wrapwatch ${MANIFEST_VERSION}\n` });
    const check = await wrapwatchWithoutNode(['check-config', '--config', CONFFILE]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('/var/log/auth.log');
  });

  it('runs with no node on the machine: parse finds in the fixture log exactly what the tested build finds', async () => {
    const log = join(dir, 'fixture.log');
    await writeFile(
      log,
      loadCorpus()
        .map((c) => `${c.line}\n`)
        .join(''),
    );
    const packaged = await wrapwatchWithoutNode(['parse', '--json', '--timezone', 'UTC', log]);
    const tested = await runCli(['parse', '--json', '--timezone', 'UTC', log]);
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(packaged.stdout.split('\n').length).toBeGreaterThan(10);
    expect(packaged.stdout).toBe(tested.stdout);
    expect(packaged.stderr).toBe(tested.stderr);
  });

  it('runs with no node on the machine: run --dry-run prints the refusals of a log as command-file lines', async () => {
    const ws = await createWorkspace();
    await appendLines(ws.logFile, [
      refusalLine('203.0.113.5', { pid: 11 }),
      refusalLine('2001:db8::7', { pid: 12, daemon: 'in.telnetd' }),
      'Nov 21 15:39:35 web1 sshd[13]: Accepted publickey for root from 192.0.2.1 port 50000 ssh2',
    ]);
    await writeConfig(
      ws.configFile,
      testConfig(ws, null, {
        source: { start_at: 'beginning' },
        report: { host_name: 'packaged', output: '{daemon} {address}' },
        throttle: { window_seconds: 3600 },
      }),
    );
    const daemon = startDaemon({ configFile: ws.configFile, dryRun: true, command: packagedCommand });
    const started = await daemon.started(20_000);
    expect(started.fields.version).toBe(MANIFEST_VERSION);
    // The process is the packaged runtime, not a node of the machine, with the node flags of the CLI's shebang.
    expect(readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8').split('\0').slice(0, 3)).toEqual([
      '/usr/lib/wrapwatch/bin/node',
      '--max-semi-space-size=2',
      '/usr/lib/wrapwatch/dist/wrapwatch.cjs',
    ]);
    await eventually(
      () => (daemon.stdoutLines.length >= 2 ? true : undefined),
      10_000,
      () => `two results on stdout; got:\n${daemon.stdoutLines.join('\n')}\n${daemon.tail()}`,
    );
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(daemon.stdoutLines.map((l) => l.replace(/^\[\d+\] /, ''))).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;packaged;TCP Wrappers;2;sshd 203.0.113.5 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
      'PROCESS_SERVICE_CHECK_RESULT;packaged;TCP Wrappers;2;in.telnetd 2001:db8::7 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
    ]);
  });

  it.skipIf(!ANALYZE)(
    'installs a unit that systemd-analyze verifies and scores at most 1.5 (security --offline)',
    async () => {
      const verify = await exec(ANALYZE!, ['verify', UNIT]);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stderr.split('\n').filter((l) => l.includes('wrapwatch.service'))).toEqual([]);
      const security = await execOk(ANALYZE!, ['security', '--offline=yes', '--threshold=15', UNIT]);
      expect(Number(/Overall exposure level for wrapwatch\.service: ([\d.]+)/.exec(security)?.[1])).toBeLessThanOrEqual(
        1.5,
      );
      expect(readFileSync(UNIT, 'utf8')).toMatch(
        /^ExecStart=\/usr\/bin\/wrapwatch run --config \/etc\/wrapwatch\/wrapwatch\.toml$/m,
      );
    },
  );

  it('an upgrade to a rebuilt higher version keeps an edited conffile and the checkpoints', async () => {
    await appendFile(CONFFILE, '\n# edited by the admin\n');
    const edited = readFileSync(CONFFILE, 'utf8');
    await mkdir(STATE_DIR, { recursive: true });
    await writeFile(join(STATE_DIR, 'checkpoints.json'), '{"kept":"across the upgrade"}\n');

    const upgrade = await dpkg(['-i', upgradeDeb]);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(await execOk('dpkg-query', ['-W', '-f', '${Version}', 'wrapwatch'])).toBe(UPGRADE_VERSION);
    expect((await wrapwatchWithoutNode(['--version'])).stdout).toBe(`wrapwatch ${UPGRADE_VERSION}\n`);
    expect(readFileSync(CONFFILE, 'utf8')).toBe(edited);
    expect(existsSync(`${CONFFILE}.dpkg-dist`)).toBe(false);
    expect(readFileSync(join(STATE_DIR, 'checkpoints.json'), 'utf8')).toBe('{"kept":"across the upgrade"}\n');
  });

  it('remove keeps the config and the checkpoints; purge leaves no file of the package behind', async () => {
    const files = (await execOk('dpkg-query', ['-L', 'wrapwatch'])).split('\n').filter((p) => p.startsWith('/'));
    const remove = await dpkg(['--remove', 'wrapwatch']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(existsSync('/usr/lib/wrapwatch')).toBe(false);
    expect(existsSync('/usr/bin/wrapwatch')).toBe(false);
    expect(existsSync(CONFFILE)).toBe(true);
    expect(existsSync(join(STATE_DIR, 'checkpoints.json'))).toBe(true);

    const purge = await dpkg(['--purge', 'wrapwatch']);
    expect(purge.code, purge.stderr).toBe(0);
    installedHere = false;
    // Only directories that other packages own too (/usr/bin, /lib/systemd/system, ...) may stay.
    const left: string[] = [];
    for (const path of files.filter((p) => p !== '/.' && existsSync(p))) {
      if (!statSync(path).isDirectory() || (await exec('dpkg-query', ['-S', path])).code !== 0) left.push(path);
    }
    expect(left).toEqual([]);
    for (const path of [
      '/etc/wrapwatch',
      STATE_DIR,
      '/var/lib/private/wrapwatch',
      '/etc/systemd/system/wrapwatch.service',
      '/var/lib/systemd/deb-systemd-helper-enabled/wrapwatch.service.dsh-also',
      '/var/lib/systemd/deb-systemd-helper-masked/wrapwatch.service',
    ]) {
      expect(existsSync(path), path).toBe(false);
    }
    expect((await exec('dpkg-query', ['-W', 'wrapwatch'])).code).not.toBe(0);
  });

  it('lintian reports no errors (each warning is listed)', async () => {
    const run = await lintian!;
    const tags = run.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
    console.log(`lintian on ${firstDeb}:\n${tags.join('\n') || '(no errors or warnings)'}`);
    expect(tags.filter((l) => l.startsWith('E: '))).toEqual([]);
  }, 240_000);
});
