/**
 * Embedded storage in a fresh temporary directory, for tests: the storage itself and, beside it, a raw
 * client on the same directory (chdb lets connections to one path coexist) for reading tables directly.
 * libchdb binds one data directory per process: one of these per test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { configFromEnv, type CollectorConfig } from '../config.js';
import { connectClickHouse } from './client.js';
import { openStorage, type Storage } from './index.js';

export interface TempStorage {
  storage: Storage;
  config: CollectorConfig;
  /** A second client on the same data directory. */
  client: ClickHouseClient;
  /** Closes both clients and removes the directory. */
  close(): Promise<void>;
}

/** Opens storage (migrations run) in a new directory named after `prefix`, with `overrides` applied. */
export async function openTempStorage(
  prefix: string,
  overrides: Partial<CollectorConfig> = {},
): Promise<TempStorage> {
  const dir = mkdtempSync(path.join(tmpdir(), `mcpscope-${prefix}-`));
  const config: CollectorConfig = { ...configFromEnv({}), dataDir: path.join(dir, 'data'), ...overrides };
  const storage = await openStorage(config);
  const client = connectClickHouse(config).client;
  return {
    storage,
    config,
    client,
    close: async () => {
      await client.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
