import type { Attributes } from '@opentelemetry/api';
import { ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX } from '../../semconv.js';

// Tool annotations (the behaviour hints a tools/list result declares) as span attributes: learnt from
// tools/list, copied onto each tools/call of the tool.

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
const annotationCache = new WeakMap<object, Attributes>();

/**
 * `mcpscope.tool.annotations.<hint>` attributes of a tool's annotations object: the four behaviour
 * hints and the title. Cached per annotations object, since the same registered tool is called often.
 */
export function annotationAttributes(annotations: unknown): Attributes | undefined {
  if (annotations === null || typeof annotations !== 'object') return undefined;
  const cached = annotationCache.get(annotations);
  if (cached) return cached;
  const source = annotations as Record<string, unknown>;
  const attributes: Attributes = {};
  for (const hint of HINTS) {
    const value = source[hint];
    if (typeof value === 'boolean') attributes[ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX + hint] = value;
  }
  if (typeof source['title'] === 'string')
    attributes[ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX + 'title'] = source['title'];
  annotationCache.set(annotations, attributes);
  return attributes;
}

/** Tool name → annotation attributes, from a tools/list result. */
export function annotationsByTool(tools: unknown): Map<string, Attributes> {
  const byName = new Map<string, Attributes>();
  if (!Array.isArray(tools)) return byName;
  for (const tool of tools as unknown[]) {
    if (tool === null || typeof tool !== 'object') continue;
    const record = tool as Record<string, unknown>;
    const attributes = annotationAttributes(record['annotations']);
    if (typeof record['name'] === 'string' && attributes) byName.set(record['name'], attributes);
  }
  return byName;
}

/**
 * Tool name → annotation attributes, as the tools/list results seen so far say: a first page (a request
 * without a cursor) replaces what was known, a later page adds to it.
 */
export class ToolAnnotationMemory {
  private byName = new Map<string, Attributes>();

  /** Learns the annotations of one page of a tools/list result. */
  learn(tools: unknown, firstPage: boolean): void {
    const learnt = annotationsByTool(tools);
    if (firstPage) this.byName = learnt;
    else for (const [name, attributes] of learnt) this.byName.set(name, attributes);
  }

  /** `mcpscope.tool.annotations.*` of a tool, from the last tools/list that named it. */
  get(tool: string): Attributes | undefined {
    return this.byName.get(tool);
  }
}
