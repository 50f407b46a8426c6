import { describe, expect, it } from 'vitest';
import { createPinFile } from '../../pins/pinFile.js';
import {
  ADDED_TOOL,
  DRIFTED,
  DROPPED_TOOL,
  STABLE_TOOLS,
  toolsOf,
} from '../../pins/testing/driftingServer.js';
import { PinGuard } from './PinGuard.js';
import { clientPinPolicy, PinPolicy, type OnDrift } from './PinPolicy.js';

// The pin rule itself, which `mcpscope proxy --pins` and `instrumentClient` both apply (their own tests
// drive real servers through them): the drifting fixture's tool sets, pinned in stage v1.

const pins = createPinFile({}, toolsOf('v1'));
const v1 = toolsOf('v1');
const v2 = toolsOf('v2');
const names = (tools: readonly unknown[] | undefined): string[] =>
  (tools ?? []).map((tool) => (tool as { name: string }).name).sort();

function guard(onDrift: OnDrift = 'block', log?: (message: string) => void): PinGuard {
  return new PinGuard(new PinPolicy({ file: pins, onDrift, ...(log ? { log } : {}) }));
}

describe('PinGuard', () => {
  it('block: keeps the matching tools of a list, and refuses the others by name', () => {
    const g = guard();
    const check = g.toolList(v2, true, v2);
    expect(names(check.kept)).toEqual([...STABLE_TOOLS].sort());
    expect(check.attributes).toEqual({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.on_drift': 'block',
      'mcpscope.pin.drifted_tools': Object.values(DRIFTED).sort(),
      'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
      'mcpscope.pin.missing_tools': [DROPPED_TOOL],
    });
    expect(g.refusal('echo')).toBeUndefined();
    expect(g.refusal(DRIFTED.inputSchema)).toEqual({
      code: -32602,
      message: `Tool "${DRIFTED.inputSchema}" is withheld by mcpscope: its definition does not match its pin (changed since it was pinned)`,
      data: { reason: 'pin_mismatch', tool: DRIFTED.inputSchema, status: 'drift' },
    });
    expect(g.refusal(ADDED_TOOL)?.data.status).toBe('unpinned');
    expect(g.callAttributes(ADDED_TOOL)).toEqual({
      'mcpscope.pin.status': 'unpinned',
      'mcpscope.pin.on_drift': 'block',
    });
  });

  it('a list whose tools all match passes as it came', () => {
    const check = guard().toolList(v1, true, v1);
    expect(check.kept).toBeUndefined();
    expect(check.attributes).toEqual({ 'mcpscope.pin.status': 'match', 'mcpscope.pin.on_drift': 'block' });
  });

  it('warn: withholds and refuses nothing, and says the same of each tool', () => {
    const g = guard('warn');
    const check = g.toolList(v2, true, v2);
    expect(check.kept).toBeUndefined();
    expect(check.attributes['mcpscope.pin.status']).toBe('drift');
    expect(g.refusal(ADDED_TOOL)).toBeUndefined();
    expect(g.statusOf(DRIFTED.annotations)).toBe('drift');
  });

  it('before a list, and after list_changed, judges by name: pinned passes, unknown is refused', () => {
    const g = guard();
    expect(g.refusal(DRIFTED.description)).toBeUndefined();
    expect(g.refusal(ADDED_TOOL)?.data.status).toBe('unpinned');
    g.toolList(v2, true, v2);
    expect(g.refusal(DRIFTED.description)?.data.status).toBe('drift');
    g.listChanged();
    expect(g.refusal(DRIFTED.description)).toBeUndefined();
    expect(g.refusal(ADDED_TOOL)?.data.status).toBe('unpinned');
  });

  it('a listing read in part leaves the tools of its other pages as the last list said', () => {
    const g = guard();
    g.toolList(v2, true, v2);
    // A new listing's first page (echo, set_stage, get_weather) and no more: send_email, on a later page,
    // still stands as drifted; get_weather is as this page says.
    const first = g.toolList(v2.slice(0, 3), true, undefined);
    expect(first.attributes).toEqual({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.on_drift': 'block',
      'mcpscope.pin.drifted_tools': [DRIFTED.description],
    });
    expect(g.statusOf(DRIFTED.inputSchema)).toBe('drift');
    // A complete listing without a tool forgets what was said of it.
    const withoutSendEmail = v2.filter((tool) => tool.name !== DRIFTED.inputSchema);
    g.toolList(withoutSendEmail, true, withoutSendEmail);
    expect(g.statusOf(DRIFTED.inputSchema)).toBe('match');
  });

  it('tells the log once per change of the mismatched set', () => {
    const log: string[] = [];
    const g = guard('block', (message) => log.push(message));
    g.toolList(v2, true, v2);
    g.toolList(v2, true, v2);
    g.toolList(v1, true, v1);
    expect(log).toEqual([
      `withholding tools that do not match their pins: get_weather (changed since it was pinned), list_files (changed since it was pinned), ${ADDED_TOOL} (not pinned), send_email (changed since it was pinned)`,
      'every listed tool matches its pin',
    ]);
  });
});

describe('clientPinPolicy (instrumentClient’s options)', () => {
  it('takes a pin file and defaults to block', () => {
    const policy = clientPinPolicy(pins, undefined);
    expect(policy.onDrift).toBe('block');
    expect(policy.index.names()).toEqual(names(v1));
    expect(clientPinPolicy(pins, 'warn').onDrift).toBe('warn');
  });

  it('fails closed on what is not a pin file or an unknown onDrift', () => {
    // A path where the loaded file belongs: no tool is approved, so block mode withholds them all.
    const notLoaded = new PinGuard(clientPinPolicy('pins.json', 'blok'));
    expect(notLoaded.policy.onDrift).toBe('block');
    expect(notLoaded.toolList(v1, true, v1).kept).toEqual([]);
    expect(notLoaded.refusal('echo')?.data.status).toBe('unpinned');
  });
});
