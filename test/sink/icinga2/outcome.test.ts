/**
 * Answers the real Icinga 2.13 does not give to a well-formed request from a permitted user
 * (5xx, 403, 400) classified from their text, beside the real-server tests of the others.
 */
import { describe, expect, it } from 'vitest';
import { outcomeOfAnswer, outcomeOfError } from '../../../src/sink/icinga2/outcome.js';

const context = {
  url: 'https://icinga.example:5665',
  user: 'wrapwatch',
  objectName: 'firestorm!TCP Wrappers',
  objectKind: 'Service' as const,
};

describe('Icinga 2 answers', () => {
  it('5xx: server-error, held and retried', () => {
    const outcome = outcomeOfAnswer(503, '{"error":503,"status":"Service Unavailable"}', context);
    expect(outcome).toMatchObject({ kind: 'failed', failure: { reason: 'server-error' } });
    expect(outcome.kind === 'failed' && outcome.failure.message).toContain('answered 503 (Service Unavailable)');
  });

  it('403: unauthorized, naming the permission to grant', () => {
    const outcome = outcomeOfAnswer(403, '{"error":403,"status":"Forbidden"}', context);
    expect(outcome.kind === 'failed' && outcome.failure.reason).toBe('unauthorized');
    expect(outcome.kind === 'failed' && outcome.failure.message).toContain('actions/process-check-result');
  });

  it('400: the body cannot be used: dropped and counted, not retried', () => {
    expect(outcomeOfAnswer(400, '{"error":400,"status":"Invalid exit status"}', context)).toMatchObject({
      kind: 'refused',
      reason: 'bad-request',
    });
  });

  it('200 without a per-result 200 is not a delivery', () => {
    expect(outcomeOfAnswer(200, '{"results":[]}', context)).toMatchObject({
      kind: 'failed',
      failure: { reason: 'server-error' },
    });
    expect(outcomeOfAnswer(200, 'not json', context)).toMatchObject({ kind: 'failed' });
  });

  it('a timeout before the request went out is unreachable, after it unconfirmed', () => {
    expect(outcomeOfError('timeout', false, context, 'icinga').reason).toBe('unreachable');
    expect(outcomeOfError('timeout', true, context, 'icinga').reason).toBe('unconfirmed');
  });
});
