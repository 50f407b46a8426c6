/**
 * What the type of `otel_traces.ResourceAttributes` costs (issue #13): mcpscope stores the values as
 * `LowCardinality(String)`, the OpenTelemetry exporter as `String`. Same spans, same sort key, same
 * codec, one table per type, on the embedded engine:
 *
 *   npm run bench:schema            (MCPSCOPE_BENCH_SPANS=200000, MCPSCOPE_BENCH_ROUNDS=15 by default)
 *
 * Reports bytes per span of the column after a full merge, the time to write it (INSERT … SELECT,
 * alternating which table goes first), and the time of three reads a dashboard or Grafana issues
 * (a filter on one resource key, a group-by on service.name, ClickStack's key=value items), as medians
 * over alternating rounds with their spread, and the String/LowCardinality ratio.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { toolCall } from '../fixtures.js';
import type { SpanRow } from '../rows.js';
import { TABLES } from '../schema.js';
import { openTempStorage } from '../tempStorage.js';

const SPANS = Number(process.env['MCPSCOPE_BENCH_SPANS'] ?? 200_000);
const ROUNDS = Number(process.env['MCPSCOPE_BENCH_ROUNDS'] ?? 15);

const TYPES = {
  lowcard: 'Map(LowCardinality(String), LowCardinality(String))',
  string: 'Map(LowCardinality(String), String)',
} as const;
type Variant = keyof typeof TYPES;

/** Twenty processes of three services, each with the resource an OpenTelemetry Node SDK reports. */
function resources(): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (let p = 0; p < 20; p++) {
    const service = ['agent', 'weather-server', 'github-server'][p % 3]!;
    out.push({
      'service.name': service,
      'service.version': `1.${p % 4}.0`,
      'service.instance.id': randomUUID(),
      'host.name': `host-${p % 5}`,
      'host.arch': 'amd64',
      'process.pid': String(1000 + p * 17),
      'process.executable.name': 'node',
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.19.1',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '2.2.0',
    });
  }
  return out;
}

function generate(n: number): SpanRow[] {
  const procs = resources();
  const rows: SpanRow[] = [];
  const start = Date.now() - 20 * 60_000;
  for (let i = 0; rows.length < n; i++) {
    const call = toolCall({
      traceId: randomBytes(16).toString('hex'),
      startMs: start + i * 3,
      durationMs: 1 + (i % 50),
      tool: ['get_weather', 'search_issues', 'read_file'][i % 3]!,
      requestId: i,
    });
    const resource = procs[i % procs.length]!;
    for (const s of call) {
      s.SpanId = randomBytes(8).toString('hex');
      s.ResourceAttributes = resource;
      s.ServiceName = resource['service.name']!;
    }
    rows.push(...call);
  }
  return rows.slice(0, n);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

async function main(): Promise<void> {
  const temp = await openTempStorage('bench-resource-type');
  const { client, storage, config } = temp;
  const db = config.clickhouseDatabase;
  const table = (v: Variant): string => `\`${db}\`.\`bench_resource_${v}\``;
  const run = async (query: string): Promise<number> => {
    const t0 = performance.now();
    const rs = await client.query({ query, format: 'JSONEachRow' });
    await rs.json();
    return performance.now() - t0;
  };
  try {
    const rows = generate(SPANS);
    for (let i = 0; i < rows.length; i += 10_000) await storage.insert(rows.slice(i, i + 10_000));
    const source = `\`${db}\`.\`${TABLES.spans}\``;
    for (const v of Object.keys(TYPES) as Variant[]) {
      await client.command({
        query:
          `CREATE TABLE ${table(v)} (ServiceName LowCardinality(String), SpanName LowCardinality(String), ` +
          `Timestamp DateTime64(9), ResourceAttributes ${TYPES[v]} CODEC(ZSTD(1))) ENGINE = MergeTree ` +
          'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp) ' +
          // Wide parts, as otel_traces has at this size: compact parts report no per-column sizes.
          'SETTINGS min_bytes_for_wide_part = 0',
      });
    }
    const insertMs: Record<Variant, number[]> = { lowcard: [], string: [] };
    const order: Variant[][] = [
      ['lowcard', 'string'],
      ['string', 'lowcard'],
    ];
    for (let round = 0; round < 4; round++) {
      for (const v of order[round % 2]!) {
        await client.command({ query: `TRUNCATE TABLE ${table(v)}` });
        const t0 = performance.now();
        await client.command({
          query: `INSERT INTO ${table(v)} SELECT ServiceName, SpanName, Timestamp, ResourceAttributes FROM ${source}`,
        });
        insertMs[v].push(performance.now() - t0);
      }
    }
    for (const v of Object.keys(TYPES) as Variant[])
      await client.command({ query: `OPTIMIZE TABLE ${table(v)} FINAL` });

    const bytes: Record<Variant, number> = { lowcard: 0, string: 0 };
    for (const v of Object.keys(TYPES) as Variant[]) {
      const rs = await client.query({
        query:
          `SELECT sum(column_data_compressed_bytes) AS b FROM system.parts_columns WHERE database = '${db}' ` +
          `AND table = 'bench_resource_${v}' AND column = 'ResourceAttributes' AND active`,
        format: 'JSONEachRow',
      });
      bytes[v] = Number(((await rs.json()) as Array<{ b: string }>)[0]!.b);
    }

    const reads = {
      'filter one key': (t: string) =>
        `SELECT count() FROM ${t} WHERE ResourceAttributes['host.name'] = 'host-3'`,
      'group by service.name': (t: string) =>
        `SELECT ResourceAttributes['service.name'] AS s, count() FROM ${t} GROUP BY s`,
      'items has key=value': (t: string) =>
        `SELECT count() FROM ${t} WHERE has(arrayMap(kv -> concat(kv.1, '=', kv.2), ` +
        `CAST(ResourceAttributes, 'Array(Tuple(String, String))')), 'host.name=host-3')`,
    };
    const readMs: Record<string, Record<Variant, number[]>> = {};
    for (const name of Object.keys(reads)) readMs[name] = { lowcard: [], string: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, sql] of Object.entries(reads)) {
        for (const v of order[round % 2]!) readMs[name]![v].push(await run(sql(table(v))));
      }
    }

    console.log(`ResourceAttributes: LowCardinality(String) values vs String values, ${SPANS} spans`);
    console.log(`  (20 processes, 12 resource keys each; medians over rounds, spread min–max)`);
    console.log(
      `  bytes per span after merge:  lowcard ${(bytes.lowcard / SPANS).toFixed(2)}  ` +
        `string ${(bytes.string / SPANS).toFixed(2)}  ratio ${(bytes.string / bytes.lowcard).toFixed(2)}×`,
    );
    const line = (label: string, m: Record<Variant, number[]>): void =>
      console.log(
        `  ${label.padEnd(26)} lowcard ${median(m.lowcard).toFixed(1)} ms (${spread(m.lowcard)})  ` +
          `string ${median(m.string).toFixed(1)} ms (${spread(m.string)})  ` +
          `ratio ${(median(m.string) / median(m.lowcard)).toFixed(2)}×`,
      );
    line('write (INSERT … SELECT)', insertMs);
    for (const [name, m] of Object.entries(readMs)) line(name, m);
  } finally {
    await temp.close();
  }
}

await main();
