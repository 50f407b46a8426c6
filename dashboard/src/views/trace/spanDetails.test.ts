import { describe, expect, it } from 'vitest';
import type { SpanView } from '../../api/types.js';
import { eventOffsetNs, exceptionOf, filterAttributes, payloadsOf, prettyPayload } from './spanDetails.js';

const span = (attributes: Record<string, string>, payloads?: SpanView['payloads']): SpanView => ({
  traceId: 't',
  spanId: 's',
  parentSpanId: '',
  name: 'tools/call x',
  kind: 'Server',
  service: 'svc',
  startTimeUnixNano: '1764077000000000000',
  durationNs: '1000',
  statusCode: 'Unset',
  statusMessage: '',
  attributes,
  events: [],
  links: [],
  ...(payloads ? { payloads } : {}),
});

describe('span details', () => {
  it('sorts attributes by key and filters on key or value, leaving payloads out', () => {
    const attrs = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'error.type': 'tool_error',
      'gen_ai.tool.call.arguments': '{}',
    };
    expect(filterAttributes(attrs, '').map(([k]) => k)).toEqual([
      'error.type',
      'gen_ai.tool.name',
      'mcp.method.name',
    ]);
    expect(filterAttributes(attrs, 'WEATHER')).toEqual([['gen_ai.tool.name', 'get_weather']]);
  });

  it('takes payloads from the payload column and falls back to capture attributes', () => {
    const fromColumn = payloadsOf(
      span({}, [{ name: 'gen_ai.tool.call.result', value: '{"a"', originalSize: 900, truncated: true }]),
    );
    expect(fromColumn).toEqual([
      { name: 'gen_ai.tool.call.result', value: '{"a"', originalSize: 900, truncated: true },
    ]);
    const fromAttrs = payloadsOf(
      span({
        'gen_ai.tool.call.arguments': '{"city":"Paris"}',
        'gen_ai.tool.call.arguments.original_size': '4000',
      }),
    );
    expect(fromAttrs).toEqual([
      { name: 'gen_ai.tool.call.arguments', value: '{"city":"Paris"}', originalSize: 4000, truncated: true },
    ]);
  });

  it('measures event offsets in BigInt and reads exception events', () => {
    expect(eventOffsetNs('1764077000000000000', '1764077000000001500')).toBe(1500);
    expect(eventOffsetNs('x', '1')).toBeNaN();
    const ex = exceptionOf({
      name: 'exception',
      timeUnixNano: '1',
      attributes: {
        'exception.type': 'TypeError',
        'exception.message': 'boom',
        'exception.stacktrace': 'at f()',
      },
    });
    expect(ex).toEqual({ type: 'TypeError', message: 'boom', stacktrace: 'at f()' });
    expect(exceptionOf({ name: 'mcp.progress', timeUnixNano: '1', attributes: {} })).toBeUndefined();
  });

  it('pretty-prints JSON payloads only', () => {
    expect(prettyPayload('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyPayload('{"a":')).toBe('{"a":');
  });
});
