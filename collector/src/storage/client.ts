/**
 * One `@clickhouse/client` for both deployments: the embedded engine (chdb, in-process) through
 * `chdb/connection`, or a ClickHouse server over HTTP. Everything above this module is the same code.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;
import { createChdbConnection } from 'chdb/connection';
import type { CollectorConfig } from '../config.js';

export interface ClickHouseConnection {
  client: ClickHouseClient;
  /** True for the in-process engine. */
  embedded: boolean;
  /** Absolute data directory (embedded) or the server URL without credentials. */
  location: string;
}

function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return raw;
  }
}

/** Share of `memoryLimitMb` the embedded engine's queries may hold together. */
export const ENGINE_MEMORY_SHARE = 0.6;
/** Share of `memoryLimitMb` of resident memory above which requests get 429. */
export const BACK_PRESSURE_MEMORY_SHARE = 0.85;

/** Opens the client the configuration asks for; the embedded data directory is created if missing. */
export function connectClickHouse(config: CollectorConfig): ClickHouseConnection {
  if (config.clickhouseUrl) {
    const client = createClient({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      // Big span batches: compress the request, and leave the response small (queries return summaries).
      compression: { request: true, response: false },
      clickhouse_settings: {
        // A 200 to the OTLP sender means the spans are committed: no server-side async buffering.
        async_insert: 0,
        output_format_json_quote_64bit_integers: 1,
      },
    });
    return { client, embedded: false, location: redactUrl(config.clickhouseUrl) };
  }
  const dir = path.resolve(config.dataDir);
  mkdirSync(dir, { recursive: true });
  // chdb types its connection against @clickhouse/client-common 1.23.0 while @clickhouse/client 1.23.1
  // bundles its own copy of the same declarations: structurally identical at runtime, distinct to tsc.
  const connection = createChdbConnection({ path: dir }) as unknown as ClientOptions['connection'];
  const client = createClient({
    connection,
    clickhouse_settings: {
      // The engine runs inside this process: its queries together stay within their share of the
      // collector's memory limit, and fail with MEMORY_LIMIT_EXCEEDED (retried, then 503) past it.
      max_memory_usage_for_user: String(Math.floor(config.memoryLimitMb * ENGINE_MEMORY_SHARE * 1048576)),
    },
  });
  return { client, embedded: true, location: dir };
}
