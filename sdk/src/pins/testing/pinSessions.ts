import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { ADDED_TOOL, DRIFTED, STABLE_TOOLS } from './driftingServer.js';
import { callError, PIN_ERROR, toolNames } from './pinFixtures.js';

// The behaviour an MCP SDK 1.x Client sees from pins wherever they are enforced — inside the client
// (`instrumentClient(client, { pins })`) or in `mcpscope proxy --pins` in front of the server — checked
// by one set of scenarios, so both places are held to the same rule.

/** Waits for what arrives a moment later (a notification); the wait is not measured. */
const POLL = { timeout: 60_000 };

/** A 1.x Client connected to the drifting fixture, and what its server received. */
export interface PinSession {
  client: Client;
  /** The tools/call requests the server received, in order. */
  calls(): Promise<string[]>;
  /** How many notifications/tools/list_changed the client received. */
  listChanged(): number;
}

/** Counts the notifications/tools/list_changed that `client` receives from now on. */
export function countListChanged(client: Client): () => number {
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  return () => changed;
}

/**
 * Block mode before any tools/list: a call is judged by name. The unpinned tool is refused; a pinned
 * name passes, as with no list seen there is no definition to hold it to (documented).
 */
export async function expectJudgedByName(fresh: PinSession): Promise<void> {
  expect((await callError(fresh.client, ADDED_TOOL, McpError)).code).toBe(PIN_ERROR);
  await fresh.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
  expect(await fresh.calls()).toEqual([DRIFTED.description]);
}

/**
 * tools/list_changed makes the pins check again, in block mode with both servers in stage v1: a tool
 * that drifts mid-session is withheld, and let back once it matches again.
 */
export async function expectCheckAgainOnListChanged(session: PinSession, direct: PinSession): Promise<void> {
  // Nothing drifted: the list passes as the server sent it.
  expect(await session.client.listTools()).toEqual(await direct.client.listTools());

  await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v2' } });
  await expect.poll(() => session.listChanged(), POLL).toBe(1);
  // Before the client lists again, calls go by name: the new tool is refused.
  expect((await callError(session.client, ADDED_TOOL, McpError)).code).toBe(PIN_ERROR);
  expect(toolNames((await session.client.listTools()).tools)).toEqual([...STABLE_TOOLS].sort());
  expect((await callError(session.client, DRIFTED.description, McpError)).code).toBe(PIN_ERROR);

  await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v1' } });
  await expect.poll(() => session.listChanged(), POLL).toBe(2);
  // The list that withheld it is stale now, and is not kept: the call passes by name...
  await session.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
  // ...and the next list shows it again, as it matches its pin.
  expect(toolNames((await session.client.listTools()).tools)).toContain(DRIFTED.description);
  expect(await session.calls()).toEqual(['set_stage', 'set_stage', DRIFTED.description]);
}

/** Warn mode against the drifted (v2) server: the list and the calls pass exactly as without pins. */
export async function expectWarnPassesUnchanged(pinned: PinSession, direct: PinSession): Promise<void> {
  expect(await pinned.client.listTools()).toEqual(await direct.client.listTools());
  for (const tool of [DRIFTED.description, ADDED_TOOL]) {
    const args = { city: 'Oslo' };
    expect(await pinned.client.callTool({ name: tool, arguments: args })).toEqual(
      await direct.client.callTool({ name: tool, arguments: args }),
    );
  }
  expect(await pinned.calls()).toEqual([DRIFTED.description, ADDED_TOOL]);
}
