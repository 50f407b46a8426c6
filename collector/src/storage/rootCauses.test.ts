/**
 * Verdicts kept after ingest, on the embedded engine: decided when failure-bearing spans commit,
 * decided again as more spans of the trace arrive, one row per trace, and caught up after a stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexId, span, toolCall } from './fixtures.js';
import { RootCauseUpdater } from './rootCauses.js';
import { TABLES } from './schema.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';
import { SpanWriter } from './writer.js';
import type { SpanRow } from './rows.js';

let t: TempStorage;
const T0 = Date.now() - 10 * 60_000;
const db = 'mcpscope';

beforeAll(async () => {
  t = await openTempStorage('root-causes');
});
afterAll(async () => {
  await t?.close();
});

async function storedCalls(traceId: string) {
  const rs = await t.client.query({
    query: `SELECT c.CallSpanId AS call, c.Layer AS layer, c.SpanId AS spanId, c.Template AS template
            FROM ${db}.${TABLES.rootCauses} FINAL ARRAY JOIN Calls AS c WHERE TraceId = {id:String}`,
    query_params: { id: traceId },
    format: 'JSONEachRow',
  });
  return rs.json<{ call: string; layer: string; spanId: string; template: string }>();
}

describe('RootCauseUpdater', () => {
  it('decides a trace again as its other spans arrive, keeping one row per trace', async () => {
    const traceId = hexId(16, 'late-client');
    const [client, transport, server] = toolCall({
      traceId,
      startMs: T0,
      durationMs: 30,
      tool: 'get_alerts',
      error: { type: 'tool_error', fault: 'tool', message: 'alerts backend for order 8812 failed' },
    }) as [SpanRow, SpanRow, SpanRow];
    // The server's process exports first: the call is known from its server span alone.
    await t.storage.insert([server]);
    await t.storage.rootCauses.flush();
    expect(await storedCalls(traceId)).toEqual([
      {
        call: server.SpanId,
        layer: 'tool',
        spanId: server.SpanId,
        template: 'alerts backend for order {n} failed',
      },
    ]);
    // Then the client's spans, and the handler's failed downstream call: one call, now downstream.
    const downstream = span({
      traceId,
      parentSpanId: server.SpanId,
      name: 'GET /v1/alerts',
      kind: 'Client',
      service: 'weather',
      startMs: T0 + 1,
      durationMs: 20,
      attributes: { 'http.response.status_code': '503' },
      status: 'Error',
    });
    await t.storage.insert([client, transport, downstream]);
    await t.storage.rootCauses.flush();
    expect(await storedCalls(traceId)).toEqual([
      {
        call: client.SpanId,
        layer: 'downstream',
        spanId: downstream.SpanId,
        template: 'GET /v1/alerts → 503',
      },
    ]);
  });

  it('leaves traces without a failure alone', async () => {
    const before = t.storage.rootCauses.stats.decided;
    const traceId = hexId(16, 'all-fine');
    await t.storage.insert(toolCall({ traceId, startMs: T0, durationMs: 5, tool: 'get_weather' }));
    await t.storage.rootCauses.flush();
    expect(t.storage.rootCauses.stats.decided).toBe(before);
    expect(await storedCalls(traceId)).toEqual([]);
  });

  it('finds failed traces stored without a verdict (a collector that stopped first) at start', async () => {
    const traceId = hexId(16, 'missed');
    // Written straight to the span table, as by a collector that died before deciding.
    await new SpanWriter(t.client, db).write(
      toolCall({
        traceId,
        startMs: Date.now() - 60_000,
        durationMs: 5,
        tool: 'get_weather',
        error: { type: '-32602', fault: 'caller', message: 'Invalid params' },
      }),
    );
    const updater = new RootCauseUpdater(t.client, db, { catchUpMinutes: 5 });
    expect(await updater.catchUp()).toBe(1);
    await updater.flush();
    expect((await storedCalls(traceId)).map((c) => c.layer)).toEqual(['caller']);
    // Decided once: the next start finds nothing to do.
    expect(await new RootCauseUpdater(t.client, db, { catchUpMinutes: 5 }).catchUp()).toBe(0);
  });

  it('keeps waiting traces when storage fails, and decides them once it is back', async () => {
    // A fault we cannot cause for real here without losing the shared engine: a closed client stands
    // in for unreachable storage.
    const { connectClickHouse } = await import('./client.js');
    const broken = connectClickHouse(t.config).client;
    await broken.close();
    const updater = new RootCauseUpdater(broken, db, { delayMs: 0 });
    const rows = toolCall({
      traceId: hexId(16, 'retry'),
      startMs: T0,
      durationMs: 5,
      tool: 'x',
      error: { type: '-32603', fault: 'server', message: 'boom' },
    });
    updater.noteCommitted(rows);
    await updater.flush();
    expect(updater.stats.failedRounds).toBe(1);
    expect(updater.stats.pending).toBe(1);
  });
});
