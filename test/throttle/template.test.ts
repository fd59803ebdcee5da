import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  HOST_NAME_FIELDS,
  isTemplateProblems,
  OUTPUT_FIELDS,
  unknownTemplateFields,
} from '../../src/throttle/template.js';
import { Harness } from './throttle-harness.js';

const messages = (source: string) => {
  const compiled = compileTemplate(source, OUTPUT_FIELDS);
  return isTemplateProblems(compiled) ? compiled.map((p) => p.message) : [];
};

describe('output templates', () => {
  it('substitutes every field, sanitised', () => {
    const compiled = compileTemplate('{daemon}|{address}', ['daemon', 'address']);
    expect(isTemplateProblems(compiled)).toBe(true); // "|" in the literal text
    const ok = compileTemplate('{daemon} from {address} ({client})', OUTPUT_FIELDS);
    if (isTemplateProblems(ok)) throw new Error('should compile');
    const values: Partial<Record<string, string>> = { daemon: 'sshd', address: '192.0.2.1', client: 'a|b\nc' };
    expect(ok.render((f) => values[f] ?? '')).toBe('sshd from 192.0.2.1 (a/b?c)');
    expect([...ok.fields]).toEqual(['daemon', 'address', 'client']);
    expect(ok.literal).toBeNull();
  });

  it('rejects unknown fields and text that would corrupt a result', () => {
    expect(messages('Denied {deamon}')).toEqual([
      expect.stringMatching(/^unknown field \{deamon\}; expected one of \{daemon\} /),
    ]);
    expect(messages('line\nbreak')).toEqual([expect.stringMatching(/control characters/)]);
    expect(messages('a | b')).toEqual([expect.stringMatching(/perfdata/)]);
    expect(messages('a \\ b')).toEqual([expect.stringMatching(/doubles it/)]);
    expect(messages('{first}..{last}: {count} x {daemon}')).toEqual([]);
  });

  it('gives the schema only the unknown-field rule, worded as compiling words it', () => {
    const unknown = { message: 'unknown field {hots}; expected one of {host}' };
    expect(unknownTemplateFields('{hots} | x', HOST_NAME_FIELDS)).toEqual([unknown]);
    expect(compileTemplate('{hots} | x', HOST_NAME_FIELDS)).toEqual([
      unknown,
      { message: expect.stringMatching(/perfdata/) },
    ]);
    expect(unknownTemplateFields('{host}.example', HOST_NAME_FIELDS)).toEqual([]);
  });

  it('fills {count} {first} {last} {host} {service} {client} from the events', async () => {
    const h = await Harness.create({
      report: { output: '{count} x {service}/{daemon} from {client} [{address}] on {host}, {first}..{last}' },
    });
    const first = h.offer({ client: 'scanner.example.net', host: 'web1', time: new Date('2026-11-21T15:00:00Z') });
    expect(first[0]?.output).toBe(
      '1 x sshd/sshd from scanner.example.net [198.51.100.7] on web1, 2026-11-21T15:00:00+00:00..2026-11-21T15:00:00+00:00 | refusals=1 sources=1',
    );
    h.offer({ time: new Date('2026-11-21T15:00:05Z'), client: null });
    h.offer({ time: new Date('2026-11-21T15:00:09Z'), client: null });
    expect(h.flush()[0]?.output).toBe(
      '2 x sshd/sshd from 198.51.100.7 [198.51.100.7] on web1, 2026-11-21T15:00:05+00:00..2026-11-21T15:00:09+00:00: 2 more refusals | refusals=2 sources=1',
    );
  });
});
