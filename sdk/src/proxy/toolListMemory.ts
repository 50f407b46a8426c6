import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX,
  ATTR_MCPSCOPE_TOOLS_COUNT,
  ATTR_MCPSCOPE_TOOLS_DEFINITIONS,
  ATTR_MCPSCOPE_TOOLS_FINGERPRINT,
} from '../semconv.js';
import { canonicalJson } from '../tools/canonicalJson.js';
import { fingerprintTools } from '../tools/fingerprint.js';
import { isObject } from './jsonRpc.js';

/**
 * What the proxy remembers from the tools/list results of the one server it fronts: the last set
 * fingerprint (so full definitions are only recorded when they change) and each tool's annotations
 * (copied onto later tools/call spans).
 */
export class ToolListMemory {
  private lastFingerprint: string | undefined;
  private annotations = new Map<string, Attributes>();

  /**
   * Records one page of a tools/list result and returns the attributes for its span.
   * @param page the tools of this page.
   * @param firstPage false when the request carried a cursor: a later page adds to the known
   *   annotations instead of replacing them.
   * @param wholeSet the whole tool set when this page completes it (see ToolListPages), else undefined:
   *   only a whole set is fingerprinted, so the pages of a paginated list never look like changes.
   */
  observe(
    page: readonly unknown[],
    firstPage: boolean,
    wholeSet: readonly unknown[] | undefined,
  ): Attributes {
    if (firstPage) this.annotations.clear();
    for (const tool of page) {
      if (!isObject(tool) || typeof tool['name'] !== 'string') continue;
      this.annotations.set(tool['name'], annotationAttributes(tool['annotations']));
    }
    if (!wholeSet) return { [ATTR_MCPSCOPE_TOOLS_COUNT]: page.length };
    const set = fingerprintTools(wholeSet);
    const attributes: Attributes = {
      [ATTR_MCPSCOPE_TOOLS_FINGERPRINT]: set.fingerprint,
      [ATTR_MCPSCOPE_TOOLS_COUNT]: set.tools.length,
    };
    if (set.fingerprint !== this.lastFingerprint) {
      attributes[ATTR_MCPSCOPE_TOOLS_DEFINITIONS] = canonicalJson(set.tools);
      this.lastFingerprint = set.fingerprint;
    }
    return attributes;
  }

  /** `mcpscope.tool.annotations.*` for a tool, from the last tools/list that named it. */
  annotationsFor(toolName: string): Attributes | undefined {
    return this.annotations.get(toolName);
  }
}

function annotationAttributes(annotations: unknown): Attributes {
  const out: Attributes = {};
  if (!isObject(annotations)) return out;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
      out[ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX + key] = value;
    }
  }
  return out;
}
