import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import { loadCorpus } from '../helpers/corpus.js';
import type { RefusalPeer } from '../../src/types.js';

/** The peer as the corpus labels it: address/family only for a client address. */
function corpusPeer(peer: RefusalPeer, client: string | null): Record<string, unknown> {
  switch (peer.kind) {
    case 'client-address':
      return { address: peer.address, family: peer.family };
    case 'server-address':
      return { address: null, family: null, peer: peer.kind, serverAddress: peer.serverAddress };
    case 'name-only':
      return { address: null, family: null, peer: peer.kind, client };
  }
}

// The corpus was captured on 2026-11-21 (UTC); traditional headers take their year from "now".
const parser = new LineParser({ timeZone: 'UTC', now: () => Date.parse('2026-11-21T16:00:00Z') });
const corpus = loadCorpus();

describe('the labelled corpus of real libwrap lines', () => {
  it('holds both refusals and non-refusals from every format', () => {
    expect(corpus.length).toBeGreaterThan(500);
    expect(corpus.filter((c) => c.expect !== null).length).toBeGreaterThan(250);
    expect(corpus.filter((c) => c.expect === null).length).toBeGreaterThan(250);
  });

  it.each(corpus.map((c) => [`${c.file}:${c.index}`, c] as const))('%s', (_name, c) => {
    const result = parser.parseLine(c.line);
    if (c.expect === null) {
      expect(result.kind, c.line).not.toBe('refusal');
      return;
    }
    expect(result.kind, c.line).toBe('refusal');
    if (result.kind !== 'refusal') return;
    const { daemon, service, pid, host, peer, client } = result.event;
    const labelled = { daemon, service, pid, host, ...corpusPeer(peer, client) };
    expect(labelled).toEqual(c.expect);
    expect(result.event.count).toBe(1);
  });
});
