import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadCorpus } from '../helpers/corpus.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const makeTempDir = tempDirs();

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('wrapwatch-parse-');
});

describe('wrapwatch parse (the built CLI as a process)', () => {
  it('prints one JSON object per refusal with the documented fields, and a summary on stderr', async () => {
    const corpus = loadCorpus().filter((c) => c.file === 'cases.jsonl');
    const file = join(dir, 'secure');
    await writeFile(file, corpus.map((c) => c.line).join('\n') + '\n');
    const run = await runCli(['parse', '--json', '--timezone', 'UTC', file]);
    expect(run.code).toBe(0);
    const objects = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = corpus.map((c, i) => ({ ...c, lineNumber: i + 1 })).filter((c) => c.expect !== null);
    expect(objects).toHaveLength(expected.length);
    expect(Object.keys(objects[0] ?? {})).toEqual(
      expect.arrayContaining([
        'input',
        'lineNumber',
        'time',
        'host',
        'daemon',
        'pid',
        'service',
        'address',
        'family',
        'client',
        'kind',
      ]),
    );
    objects.forEach((o, i) => {
      expect(o).toMatchObject({ input: file, lineNumber: expected[i]?.lineNumber, ...expected[i]?.expect });
      expect(o.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    });
    expect(run.stderr).toMatch(
      new RegExp(`^wrapwatch parse: ${corpus.length} lines read, ${expected.length} refusals \\(`),
    );
  });

  it('reports tftpd-hpa with the server address apart from the unknown client, inetd name-only lines, and empty tags (issue 13)', async () => {
    const corpus = loadCorpus().filter((c) => c.file === 'cases-daemons-2026-11-30.jsonl');
    const run = await runCli(['parse', '--json', '--timezone', 'UTC'], {
      stdin: corpus.map((c) => c.line).join('\n') + '\n',
    });
    expect(run.code).toBe(0);
    const objects = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = corpus.filter((c) => c.expect !== null);
    expect(objects).toHaveLength(expected.length);
    objects.forEach((o, i) => {
      expect(o).toMatchObject({ ...expected[i]?.expect, peer: expected[i]?.expect?.peer ?? 'client-address' });
    });
    const tftp = objects.find((o) => o.kind === 'tftpd');
    expect(tftp).toMatchObject({ peer: 'server-address', address: null, family: null, serverAddress: '0.0.0.0' });
    // Every line with a refusal phrase is either reported or counted under why it was not.
    const notReported = corpus.length - expected.length;
    expect(notReported).toBe(6);
    expect(run.stderr).toContain(`${corpus.length} lines read, ${expected.length} refusals`);
    expect(run.stderr).toContain('0 unknown-header, 0 bad-tag, 0 missing-pid, 3 invalid-address, 3 not-a-refusal');
    const text = await runCli(['parse', '--timezone', 'UTC'], {
      stdin:
        corpus
          .slice(0, 1)
          .map((c) => c.line)
          .join('\n') + '\n',
    });
    expect(text.stdout).toMatch(
      / in\.tftpd\[6858\] tftpd service=in\.tftpd address=unknown server_address=0\.0\.0\.0\n$/,
    );
  });

  it('reads standard input and prints readable lines without --json', async () => {
    const run = await runCli(['parse', '--timezone', 'UTC'], {
      stdin:
        'Nov 21 15:39:33 vm in.wraptest[11484]: refused connect from evil.example (127.0.0.5)\nNov 21 15:39:34 vm sshd[1]: Accepted publickey for root\n',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\d{4}-11-21T15:39:33\.000\+00:00 vm in\.wraptest\[11484\] libwrap service=in\.wraptest address=127\.0\.0\.5 client="evil\.example"\n$/,
    );
    expect(run.stderr).toContain('2 lines read, 1 refusals (libwrap 1)');
  });

  it('shows the time in the zone given by --timezone', async () => {
    const run = await runCli(['parse', '--json', '--timezone', 'Europe/Berlin'], {
      stdin: 'Jul  1 12:00:00 vm sshd[1]: refused connect from 1.2.3.4 (1.2.3.4)\n',
    });
    expect((JSON.parse(run.stdout) as { time: string }).time).toMatch(/-07-01T12:00:00\.000\+02:00$/);
  });

  it('skips and counts over-long, binary and invalid UTF-8 lines, and keeps going', async () => {
    const good = 'Nov 21 15:39:33 vm sshd[7]: refused connect from 1.2.3.4 (1.2.3.4)\n';
    const input = Buffer.concat([
      Buffer.from(`Nov 21 15:39:33 vm sshd[7]: refused connect from ${'x'.repeat(70_000)} (1.2.3.4)\n`),
      Buffer.from('Nov 21 15:39:33 vm sshd[7]: refused connect\u0000 from 1.2.3.4 (1.2.3.4)\n'),
      Buffer.from([0x4e, 0x6f, 0x76, 0x20, 0xff, 0xfe, 0x72, 0x65, 0x66, 0x75, 0x73, 0x0a]),
      Buffer.from('garbage refused connect from 1.2.3.4 (1.2.3.4)\n'),
      Buffer.from(good),
    ]);
    const run = await runCli(['parse', '--json'], { stdin: input });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ lineNumber: 5, address: '1.2.3.4' });
    expect(run.stderr).toContain('5 lines read, 1 refusals');
    expect(run.stderr).toContain('1 too-long, 1 binary, 1 invalid-utf8, 1 unknown-header');
  });

  it('survives a megabyte of random bytes', async () => {
    const noise = Buffer.alloc(1 << 20);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const run = await runCli(['parse'], { stdin: noise });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/lines read, 0 refusals/);
  });

  it('exits 2 naming a missing file, after reading the others', async () => {
    const file = join(dir, 'present');
    await writeFile(file, 'Nov 21 15:39:33 vm sshd[7]: refused connect from 1.2.3.4 (1.2.3.4)\n');
    const run = await runCli(['parse', join(dir, 'absent'), file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot read ${join(dir, 'absent')}: no such file`);
    expect(run.stdout).toContain('address=1.2.3.4');
  });

  it('on a missing log says where logs are and points a new user at the sample log (README used /var/log/auth.log)', async () => {
    const run = await runCli(['parse', join(dir, 'auth.log')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /cannot read .*auth\.log: no such file \((this machine logs to \/var\/log\/|syslog writes refusals to \/var\/log\/auth\.log).*to try wrapwatch: fixtures\/sample-auth\.log in the source tree\)/,
    );
  });

  it('rejects an unknown time zone and an unknown flag with exit 2', async () => {
    expect((await runCli(['parse', '--timezone', 'Mars/Olympus'])).code).toBe(2);
    const bad = await runCli(['parse', '--jsn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--jsn'");
  });
});
