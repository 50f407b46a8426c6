import type { Attributes } from '@opentelemetry/api';
import { ToolAnnotationMemory } from '../core/tools/toolAnnotations.js';
import { ATTR_MCPSCOPE_TOOLS_COUNT } from '../semconv.js';
import { toolSetAttributes, ToolSetTracker } from '../core/tools/toolSetTracker.js';

/**
 * What the proxy remembers from the tools/list results of the one server it fronts: the last set
 * fingerprint (so full definitions are only recorded when they change) and each tool's annotations
 * (copied onto later tools/call spans).
 */
export class ToolListMemory {
  /** The last set seen: one server, so one key. */
  private readonly sets = new ToolSetTracker(1);
  private readonly annotations = new ToolAnnotationMemory();

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
    this.annotations.learn(page, firstPage);
    if (!wholeSet) return { [ATTR_MCPSCOPE_TOOLS_COUNT]: page.length };
    return toolSetAttributes(wholeSet, this.sets, '');
  }

  /** `mcpscope.tool.annotations.*` for a tool, from the last tools/list that named it. */
  annotationsFor(toolName: string): Attributes | undefined {
    return this.annotations.get(toolName);
  }
}
