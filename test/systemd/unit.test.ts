import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const UNIT = fileURLToPath(new URL('../../systemd/wrapwatch.service', import.meta.url));
const text = readFileSync(UNIT, 'utf8');
const directives = text
  .split('\n')
  .filter((l) => /^[A-Za-z]+=/.test(l))
  .map((l) => l.slice(0, l.indexOf('=')) + '=' + l.slice(l.indexOf('=') + 1));
const has = (line: string) => directives.includes(line);
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('systemd/wrapwatch.service', () => {
  it('runs wrapwatch as a throw-away user that reads the log through group adm', () => {
    expect(has('DynamicUser=yes')).toBe(true);
    expect(has('SupplementaryGroups=adm')).toBe(true);
    expect(has('StateDirectory=wrapwatch')).toBe(true);
    expect(has('LoadCredential=nsca.password:/etc/wrapwatch/nsca.password')).toBe(true);
  });

  it('reloads with HUP after checking the config, restarts on failure but not on a config error (exit 78)', () => {
    // systemd runs ExecReload= lines in order and stops at the first failure: a broken config
    // fails `systemctl reload` visibly and is never sent to the daemon.
    const reloads = directives.filter((d) => d.startsWith('ExecReload='));
    expect(reloads).toEqual([
      'ExecReload=/usr/bin/wrapwatch check-config --quiet --config /etc/wrapwatch/wrapwatch.toml',
      'ExecReload=/bin/kill -HUP $MAINPID',
    ]);
    expect(reloads[0]).toContain(
      directives
        .find((d) => d.startsWith('ExecStart='))
        ?.split(' ')
        .slice(-2)
        .join(' '),
    );
    expect(has('Restart=on-failure')).toBe(true);
    expect(has('RestartPreventExitStatus=78')).toBe(true);
  });

  it('keeps what Node needs: no MemoryDenyWriteExecute (V8 JIT), no PrivateUsers (would hide group adm)', () => {
    expect(directives.some((d) => d.startsWith('MemoryDenyWriteExecute='))).toBe(false);
    expect(directives.some((d) => d.startsWith('PrivateUsers='))).toBe(false);
  });

  it('limits the network to IP, to the receiver only (and AF_UNIX for systemd-notify)', () => {
    expect(has('RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6')).toBe(true);
    expect(has('IPAddressDeny=any')).toBe(true);
    expect(directives.some((d) => d.startsWith('IPAddressAllow='))).toBe(true);
  });

  it('tells systemd when it is ready, what it is doing, and that its loop is alive', () => {
    expect(has('Type=notify')).toBe(true);
    // The messages come from a systemd-notify child, not from the main process.
    expect(has('NotifyAccess=all')).toBe(true);
    expect(directives.some((d) => /^WatchdogSec=\d+s$/.test(d))).toBe(true);
    expect(has('RuntimeDirectory=wrapwatch')).toBe(true);
    expect(has('RuntimeDirectoryMode=0755')).toBe(true);
  });

  it.skipIf(!ANALYZE)('passes systemd-analyze verify (the ExecReload= lines included)', async () => {
    const run = promisify(execFile);
    // verify checks that executables exist: point it at a copy whose paths exist here.
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-unit-'));
    try {
      const copy = join(dir, 'wrapwatch.service');
      await writeFile(copy, text.replaceAll('/usr/bin/wrapwatch', process.execPath));
      const result = await run(ANALYZE!, ['verify', '--man=no', copy]).then(
        (r) => ({ ok: true, out: r.stdout + r.stderr }),
        (err: unknown) => {
          const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
          return { ok: false, out: stdout + stderr };
        },
      );
      const relevant = result.out
        .split('\n')
        .filter((l) => /wrapwatch\.service/.test(l) && !/network-online|rsyslog|Documentation/.test(l));
      expect(relevant, result.out).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!ANALYZE)('scores an exposure of at most 1.5 in systemd-analyze security --offline', async () => {
    const run = promisify(execFile);
    // --threshold fails the command when exposure x 10 is above it.
    const { stdout } = await run(ANALYZE!, ['security', '--offline=yes', '--threshold=15', UNIT]);
    const score = Number(/Overall exposure level for wrapwatch\.service: ([\d.]+)/.exec(stdout)?.[1]);
    expect(score).toBeLessThanOrEqual(1.5);
  });
});
