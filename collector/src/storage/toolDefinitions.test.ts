import { describe, expect, it } from 'vitest';
import { span, toolsList } from './fixtures.js';
import { extractToolDefinitions, serverIdentity, SET_MARKER_TOOL } from './toolDefinitions.js';

const tools = [
  { name: 'a', description: 'A' },
  { name: 'b', description: 'B' },
];

describe('extractToolDefinitions', () => {
  it('yields a set marker and one row per tool from a tools/list with definitions', () => {
    const row = toolsList({
      startMs: 1000,
      server: 'srv',
      serverVersion: '3.1.0',
      sessionId: 's',
      serverAddress: 'h:8080',
      tools,
    });
    const { definitions, sightings } = extractToolDefinitions([row]);
    expect(sightings).toEqual([]);
    expect(definitions.map((d) => d.Tool)).toEqual([SET_MARKER_TOOL, 'a', 'b']);
    const set = row.SpanAttributes['mcpscope.tools.fingerprint'];
    for (const d of definitions) {
      expect(d).toMatchObject({
        ServerIdentity: 'srv@h:8080',
        ServerName: 'srv',
        ServerVersion: '3.1.0',
        SessionId: 's',
        SetFingerprint: set,
      });
    }
    expect(definitions[1]?.Definition).toBe('{"description":"A","name":"a"}');
    expect(definitions[0]?.Fingerprint).toBe(set);
  });

  it('merges repeated definitions in one batch and turns fingerprint-only lists into sightings', () => {
    const rows = [
      toolsList({ startMs: 3000, server: 'srv', tools }),
      toolsList({ startMs: 1000, server: 'srv', tools }),
      toolsList({ startMs: 5000, server: 'srv', tools, withDefinitions: false }),
      toolsList({ startMs: 7000, server: 'srv', tools, withDefinitions: false }),
    ];
    const { definitions, sightings } = extractToolDefinitions(rows);
    expect(definitions).toHaveLength(3);
    expect(definitions[0]).toMatchObject({ FirstSeen: '1000000000', LastSeen: '3000000000', Sightings: 2 });
    expect(sightings).toEqual([
      expect.objectContaining({
        ServerIdentity: 'srv',
        FirstSeen: '5000000000',
        LastSeen: '7000000000',
        Sightings: 2,
      }),
    ]);
  });

  it('ignores other methods, lists without a fingerprint and malformed definitions', () => {
    const other = span({
      traceId: 'c'.repeat(32),
      name: 'tools/call',
      service: 'x',
      startMs: 1,
      durationMs: 1,
      attributes: { 'mcp.method.name': 'tools/call', 'mcpscope.tools.fingerprint': 'f' },
    });
    const noFp = span({
      traceId: 'c'.repeat(32),
      name: 'tools/list',
      service: 'x',
      startMs: 1,
      durationMs: 1,
      attributes: { 'mcp.method.name': 'tools/list' },
    });
    const broken = toolsList({ startMs: 1, tools });
    broken.SpanAttributes['mcpscope.tools.definitions'] = '{not json';
    const { definitions, sightings } = extractToolDefinitions([other, noFp, broken]);
    expect(definitions).toEqual([]);
    // A list whose definitions cannot be read still proves the set was seen.
    expect(sightings).toHaveLength(1);
  });
});

describe('serverIdentity', () => {
  it('uses name@address:port, name (command), or the name alone', () => {
    const mk = (attributes: Record<string, string>, kind: 'Client' | 'Server' = 'Client') =>
      span({
        traceId: 'd'.repeat(32),
        name: 'tools/list',
        kind,
        service: 'svc',
        startMs: 1,
        durationMs: 1,
        attributes,
      });
    expect(
      serverIdentity(mk({ 'mcpscope.server.name': 'w', 'server.address': 'api', 'server.port': '443' }))
        .identity,
    ).toBe('w@api:443');
    expect(
      serverIdentity(mk({ 'mcpscope.server.name': 'fs', 'mcpscope.server.command': 'npx fs-server /tmp' }))
        .identity,
    ).toBe('fs (npx fs-server /tmp)');
    expect(serverIdentity(mk({}, 'Server')).identity).toBe('svc');
  });
});
