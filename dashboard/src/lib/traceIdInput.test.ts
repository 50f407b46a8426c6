import { describe, expect, it } from 'vitest';
import { parseTraceIdInput } from './traceIdInput.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('parseTraceIdInput', () => {
  it('accepts an id in any case, with spaces around or dashes inside', () => {
    expect(parseTraceIdInput(` ${ID.toUpperCase()} `)).toEqual({ ok: true, traceId: ID });
    expect(parseTraceIdInput('4bf92f35-77b3-4da6-a3ce-929d0e0e4736')).toEqual({ ok: true, traceId: ID });
  });

  it('takes the trace id out of a traceparent value or a link', () => {
    expect(parseTraceIdInput(`00-${ID}-00f067aa0ba902b7-01`)).toEqual({ ok: true, traceId: ID });
    expect(parseTraceIdInput(`http://localhost:4318/traces/${ID}?span=1`)).toEqual({ ok: true, traceId: ID });
  });

  it('says what is wrong with anything else', () => {
    expect(parseTraceIdInput('abc')).toEqual({
      ok: false,
      error: 'A trace id has 32 hexadecimal characters; this has 3.',
    });
    expect(parseTraceIdInput('get_weather')).toMatchObject({ ok: false, error: /only the characters/ });
    expect(parseTraceIdInput('0'.repeat(32))).toMatchObject({ ok: false, error: /all-zero/ });
    expect(parseTraceIdInput('  ')).toMatchObject({ ok: false });
  });
});
