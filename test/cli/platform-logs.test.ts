import { describe, expect, it } from 'vitest';
import { missingLogHint } from '../../src/cli/platform-logs.js';

const machine =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);

describe('the hint for a configured log that does not exist', () => {
  it('names the platform logs this machine has (Debian: the default /var/log/secure never appears)', () => {
    expect(missingLogHint(['/var/log/secure'], machine('/var/log/auth.log', '/var/log/syslog'))).toBe(
      '/var/log/secure does not exist (waiting for it to appear), but this machine logs to /var/log/auth.log, /var/log/syslog: ' +
        'set path = ["/var/log/auth.log", "/var/log/syslog"] in [source] of the config',
    );
    expect(missingLogHint(['/var/log/secure'], machine('/var/log/messages'))).toContain(
      'set path = "/var/log/messages"',
    );
  });

  it('says nothing when the log exists or there is nothing better to suggest', () => {
    expect(missingLogHint(['/var/log/secure'], machine('/var/log/secure', '/var/log/auth.log'))).toBeNull();
    expect(missingLogHint(['/srv/app.log'], machine())).toBeNull();
    // A platform log already configured is no suggestion.
    expect(missingLogHint(['/var/log/auth.log', '/var/log/syslog'], machine('/var/log/syslog'))).toBeNull();
  });
});
