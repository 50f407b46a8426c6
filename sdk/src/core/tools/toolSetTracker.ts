import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_MCPSCOPE_TOOLS_COUNT,
  ATTR_MCPSCOPE_TOOLS_DEFINITIONS,
  ATTR_MCPSCOPE_TOOLS_FINGERPRINT,
} from '../../semconv.js';
import { fingerprintTools } from './fingerprint.js';

/**
 * Remembers the last tool-set fingerprint seen per server identity, so the full definitions are
 * attached only when they change (and the first time). Shared by every instrumented client and server
 * in the process: with stateless Streamable HTTP each request gets a new server instance, and the
 * definitions must not be re-sent on every tools/list.
 */
export class ToolSetTracker {
  private readonly last = new Map<string, string>();

  /** @param maxServers bound on remembered identities; the oldest is forgotten first. Defaults to 1000. */
  constructor(private readonly maxServers = 1000) {}

  /** Records `fingerprint` for `serverKey`; true when it differs from the previous one (or is the first). */
  observe(serverKey: string, fingerprint: string): boolean {
    const previous = this.last.get(serverKey);
    if (previous === fingerprint) return false;
    this.last.delete(serverKey);
    this.last.set(serverKey, fingerprint);
    if (this.last.size > this.maxServers) {
      const oldest = this.last.keys().next();
      if (!oldest.done) this.last.delete(oldest.value);
    }
    return true;
  }
}

/** The process-wide tracker used by the instrumentation. */
export const toolSetTracker = new ToolSetTracker();

/**
 * The attributes of a tools/list span that completes a tool set: `mcpscope.tools.fingerprint` and
 * `count`, and the full definitions (`mcpscope.tools.definitions`) when the set differs from the last
 * one `tracker` saw for `serverKey` (and the first time).
 */
export function toolSetAttributes(
  tools: readonly unknown[],
  tracker: ToolSetTracker,
  serverKey: string,
): Attributes {
  const set = fingerprintTools(tools);
  const attributes: Attributes = {
    [ATTR_MCPSCOPE_TOOLS_FINGERPRINT]: set.fingerprint,
    [ATTR_MCPSCOPE_TOOLS_COUNT]: set.count,
  };
  if (tracker.observe(serverKey, set.fingerprint))
    attributes[ATTR_MCPSCOPE_TOOLS_DEFINITIONS] = JSON.stringify(set.tools);
  return attributes;
}
