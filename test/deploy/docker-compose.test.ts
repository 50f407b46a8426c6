import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_VARS } from '@mcpscope/collector';
import { REPO_ROOT } from '../helpers/collector.js';

// No Docker engine runs here: the compose file is checked by reading it, not by running it.
interface ComposeFile {
  services: Record<
    string,
    { image?: string; build?: { context: string; dockerfile: string }; environment?: Record<string, string> }
  >;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;

  it('runs a pinned modern ClickHouse server', () => {
    const image = compose.services['clickhouse']?.image ?? '';
    const m = /^clickhouse\/clickhouse-server:(\d+)\.(\d+)/.exec(image);
    expect(m, `image "${image}" must be pinned to a version`).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(24);
  });

  it('configures the collector only through variables the collector reads', () => {
    const collector = compose.services['collector'];
    expect(collector?.build?.dockerfile).toBe('collector/Dockerfile');
    const env = Object.keys(collector?.environment ?? {});
    expect(env).toContain('CLICKHOUSE_URL');
    const unknown = env.filter((k) => !(CONFIG_ENV_VARS as readonly string[]).includes(k));
    expect(unknown).toEqual([]);
    // The collector must reach the ClickHouse service by its compose name.
    expect(collector?.environment?.['CLICKHOUSE_URL']).toMatch(/^http:\/\/clickhouse:8123/);
  });

  it('has a Dockerfile that builds and starts the collector', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'collector/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/collector\/dist\/cli\/main\.js", "start"/);
  });
});
