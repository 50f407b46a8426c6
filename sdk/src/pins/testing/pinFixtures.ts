import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadPins } from '../loadPins.js';
import { createPinFile, formatPinFile, type PinFile } from '../pinFile.js';
import { listServerTools } from '../serverTools.js';
import type { DriftStage } from './driftingServer.js';

// What the tests of `instrumentClient(client, { pins })` share: the drifting fixture's child-process
// commands, its approved pins (taken with the code `mcpscope pin` runs, written, and read back with the
// loader a program would use), the call log that proves what reached the server, and span lookups.

/** Node flags that run the TypeScript sources of this repository. */
export const TS_ARGS = ['--conditions=mcpscope-source', '--import', 'tsx'];
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The 1.x drifting fixture on stdio (driftingStdioServer.ts). */
export const DRIFTING_STDIO = fileURLToPath(new URL('./driftingStdioServer.ts', import.meta.url));
/** The 2.x drifting fixture on stdio, both protocol eras (driftingV2StdioServer.ts). */
export const DRIFTING_V2_STDIO = fileURLToPath(new URL('./driftingV2StdioServer.ts', import.meta.url));

/** The fixture's tools in the approved stage (v1), pinned as `mcpscope pin --out` pins them. */
export async function approvedPins(dir: string): Promise<PinFile> {
  const listed = await listServerTools({
    kind: 'stdio',
    command: process.execPath,
    args: [...TS_ARGS, DRIFTING_STDIO],
  });
  const path = join(dir, 'pins.json');
  await writeFile(path, formatPinFile(createPinFile(listed.server, listed.tools)));
  return loadPins(path);
}

/** A fresh call log in `dir` for a stdio fixture, and what the server wrote in it so far. */
export async function callLog(dir: string): Promise<{ path: string; calls(): Promise<string[]> }> {
  const path = join(dir, `calls-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(path, '');
  return {
    path,
    calls: async () => (await readFile(path, 'utf8')).split('\n').filter((line) => line !== ''),
  };
}

/** The environment of a stdio fixture child: its stage and its call log. */
export function fixtureEnv(stage: DriftStage, log: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env['DRIFT_STAGE'] = stage;
  env['DRIFT_CALL_LOG'] = log;
  return env;
}

/** Names of tools, sorted. */
export const toolNames = (tools: ReadonlyArray<{ name: string }>): string[] =>
  tools.map((tool) => tool.name).sort();

/** The finished CLIENT-layer spans (`mcpscope.layer=client`) of an exporter with this name. */
export function clientSpans(exporter: InMemorySpanExporter, name: string): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((span) => span.name === name && span.attributes['mcpscope.layer'] === 'client');
}
