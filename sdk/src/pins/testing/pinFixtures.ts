import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanStatusCode } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { parentSpanId } from '../../testing/otel.js';
import { loadPins } from '../loadPins.js';
import { createPinFile, formatPinFile, type PinFile } from '../pinFile.js';
import { listServerTools } from '../serverTools.js';
import { ADDED_TOOL, DRIFTED, DROPPED_TOOL, STABLE_TOOLS, type DriftStage } from './driftingServer.js';

// What the tests of pins share — `instrumentClient(client, { pins })` on both SDK eras and `mcpscope
// proxy --pins` on both transports: the drifting fixture's child-process commands, its approved pins
// (taken with the code `mcpscope pin` runs, written, and read back with the loader a program would
// use), the call log that proves what reached the server, the pin error, and span lookups.

/** The JSON-RPC code of a call refused by the pins (invalid params, as the server would answer). */
export const PIN_ERROR = -32602;

/** The start of the message of a call refused by the pins. */
export const withheld = (tool: string): string =>
  `Tool "${tool}" is withheld by mcpscope: its definition does not match its pin`;

/** The pin attributes of the tools/list span that speaks for the fixture's whole drifted (v2) set. */
export const WHOLE_SET_DRIFT = {
  'mcpscope.pin.status': 'drift',
  'mcpscope.pin.drifted_tools': Object.values(DRIFTED).sort(),
  'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
  'mcpscope.pin.missing_tools': [DROPPED_TOOL],
};

/** The attributes of the span of a call of a drifted tool that the pins refused. */
export const BLOCKED_DRIFT = {
  'mcpscope.pin.status': 'drift',
  'mcpscope.pin.blocked': true,
  'error.type': 'pin_mismatch',
  'mcpscope.fault': 'server',
};

/** Node flags that run the TypeScript sources of this repository. */
export const TS_ARGS = ['--conditions=mcpscope-source', '--import', 'tsx'];
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The 1.x drifting fixture on stdio (driftingStdioServer.ts). */
export const DRIFTING_STDIO = fileURLToPath(new URL('./driftingStdioServer.ts', import.meta.url));
/** The 2.x drifting fixture on stdio, both protocol eras (driftingV2StdioServer.ts). */
export const DRIFTING_V2_STDIO = fileURLToPath(new URL('./driftingV2StdioServer.ts', import.meta.url));

/** The fixture's tools in the approved stage (v1), as `mcpscope pin --out` pins them, written to `dir`. */
export async function writeApprovedPins(dir: string): Promise<{ path: string; file: PinFile }> {
  const listed = await listServerTools({
    kind: 'stdio',
    command: process.execPath,
    args: [...TS_ARGS, DRIFTING_STDIO],
  });
  const file = createPinFile(listed.server, listed.tools);
  const path = join(dir, 'pins.json');
  await writeFile(path, formatPinFile(file));
  return { path, file };
}

/** The approved pins of {@link writeApprovedPins}, read back with `loadPins`. */
export async function approvedPins(dir: string): Promise<PinFile> {
  return loadPins((await writeApprovedPins(dir)).path);
}

/** A stdio client transport's parameters that run `args` (a script and its arguments) with {@link TS_ARGS}. */
export function stdioLaunch(
  args: string[],
  env: Record<string, string>,
): { command: string; args: string[]; env: Record<string, string>; cwd: string; stderr: 'inherit' } {
  return { command: process.execPath, args: [...TS_ARGS, ...args], env, cwd: REPO_ROOT, stderr: 'inherit' };
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

/** The tools that stay as pinned when the fixture drifts, in the order given. */
export const stableTools = <T extends { name: string }>(tools: T[]): T[] =>
  tools.filter((tool) => STABLE_TOOLS.includes(tool.name as never));

/** What a promise rejected with, or undefined if it resolved. */
export const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** The error a call of `name` (no arguments) rejects with, asserted to be a `type`. */
export async function callError<E>(
  client: { callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown> },
  name: string,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await rejection(client.callTool({ name, arguments: {} }));
  expect(error, name).toBeInstanceOf(type);
  return error as E;
}

/**
 * Calls every tool of the drifted set that its pins refuse (the changed ones and the new one) and
 * asserts each is refused with the pin error, naming the tool and why.
 */
export async function expectRefusedCalls(
  client: { callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown> },
  type: abstract new (...args: never[]) => { code: number; message: string },
): Promise<void> {
  for (const tool of [...Object.values(DRIFTED), ADDED_TOOL]) {
    const error = await callError(client, tool, type);
    expect(error.code).toBe(PIN_ERROR);
    expect(error.message).toContain(withheld(tool));
    expect(error.message).toContain(tool === ADDED_TOOL ? '(not pinned)' : '(changed since it was pinned)');
  }
}

/** Every page of tools/list, as a client that follows nextCursor sees them. */
export async function listPages<T>(client: {
  listTools(params?: { cursor: string }): Promise<{ tools: T[]; nextCursor?: string | undefined }>;
}): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    pages.push(page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

/**
 * The pin attributes of the two tools/list spans of the drifted fixture listed three tools a page:
 * page one (echo, set_stage, get_weather) stands for itself; page two, which completes the listing,
 * for the whole set, missing tools included.
 */
export function expectPagedDrift(first: ReadableSpan, last: ReadableSpan): void {
  expect(first.attributes).toMatchObject({
    'mcpscope.pin.status': 'drift',
    'mcpscope.pin.drifted_tools': [DRIFTED.description],
  });
  expect(first.attributes['mcpscope.pin.unpinned_tools']).toBeUndefined();
  expect(first.attributes['mcpscope.pin.missing_tools']).toBeUndefined();
  expect(last.attributes).toMatchObject(WHOLE_SET_DRIFT);
}

/** The span of a call that warn mode let through although its tool's pin status is `status`. */
export function expectWarnedCall(span: ReadableSpan | undefined, status: 'drift' | 'unpinned'): void {
  expect(span?.attributes).toMatchObject({ 'mcpscope.pin.status': status, 'mcpscope.pin.on_drift': 'warn' });
  expect(span!.attributes['mcpscope.pin.blocked']).toBeUndefined();
  expect(span!.status.code).not.toBe(SpanStatusCode.ERROR);
}

/** The spans `span` parents (a refused call's: none, as nothing went on the wire). */
export const childSpans = (exporter: InMemorySpanExporter, span: ReadableSpan): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => parentSpanId(s) === span.spanContext().spanId);

/** The finished CLIENT-layer spans (`mcpscope.layer=client`) of an exporter with this name. */
export function clientSpans(exporter: InMemorySpanExporter, name: string): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((span) => span.name === name && span.attributes['mcpscope.layer'] === 'client');
}
