/**
 * Times stored exactly across the whole range OTLP senders can reach and storage can hold: the
 * decoder's 19-digit spelling is what the engine reads as nanosecond ticks (a 10-digit time used to
 * be read as seconds, an 18-digit one refused). Retention is off so that 1970 spans are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJsonTraces } from '../receiver/decodeJsonTraces.js';
import { TABLES } from './schema.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let t: TempStorage;
beforeAll(async () => {
  t = await openTempStorage('times', { retentionDays: 0 });
});
afterAll(async () => {
  await t?.close();
});

describe('stored times', () => {
  it('reads back every start, end and event time exactly, 1970 to 2106', async () => {
    const traceId = 'aa'.repeat(16);
    const cases: [string, string][] = [
      ['1', '2'], // the first nanoseconds after the epoch
      ['1000000000', '1000000500'], // ten digits: one second after the epoch
      ['100000000000000000', '100000000000000001'], // eighteen digits: 1973
      ['1764000000123456789', '1764000000987654321'],
      ['4294967294000000000', '4294967295999999999'], // the last storable second
    ];
    const body = Buffer.from(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: cases.map(([start, end], i) => ({
                  traceId,
                  spanId: `000000000000000${i + 1}`,
                  name: `s${i}`,
                  startTimeUnixNano: start,
                  endTimeUnixNano: end,
                  events: [{ name: 'e', timeUnixNano: end }],
                })),
              },
            ],
          },
        ],
      }),
    );
    const decoded = decodeJsonTraces(body);
    expect(decoded.rejected).toEqual([]);
    await t.storage.insert(decoded.rows);
    const rs = await t.client.query({
      query: `SELECT SpanName, toString(toUnixTimestamp64Nano(Timestamp)) AS start,
                toString(toUnixTimestamp64Nano(Timestamp) + Duration) AS end,
                toString(toUnixTimestamp64Nano(Events.Timestamp[1])) AS event
              FROM mcpscope.${TABLES.spans} WHERE TraceId = {id:String} ORDER BY SpanName`,
      query_params: { id: traceId },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ SpanName: string; start: string; end: string; event: string }>();
    expect(rows.map((r) => [r.start, r.end, r.event])).toEqual(cases.map(([s, e]) => [s, e, e]));
    // The trace lookup (a materialized view over the same insert) took them too.
    const lookup = await t.client.query({
      query: `SELECT toString(toUnixTimestamp(max(End))) AS end FROM mcpscope.${TABLES.traceIdTs} WHERE TraceId = {id:String}`,
      query_params: { id: traceId },
      format: 'JSONEachRow',
    });
    expect(await lookup.json()).toEqual([{ end: '4294967295' }]); // 2106-02-07 06:28:15 UTC
  });
});
