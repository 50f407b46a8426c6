import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX,
  GEN_AI_OPERATION_EXECUTE_TOOL,
} from '../semconv.js';

/** The span-name target of a request: the tool name for tools/call, the prompt name for prompts/get. */
export function requestTarget(
  method: string,
  params: Record<string, unknown> | undefined,
): string | undefined {
  if (method === 'tools/call' || method === 'prompts/get') {
    const name = params?.['name'];
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

/**
 * Sets the per-request semconv attributes of `method` other than those its request shape passes to
 * `startSpan` (`mcp.method.name` and the target name, see RequestShapes.ts) and the shared connection
 * attributes (set separately). Resource URIs are attributes only: in a span name they would be
 * unbounded.
 */
export function setRequestAttributes(
  span: Span,
  method: string,
  params: Record<string, unknown> | undefined,
): void {
  if (method === 'tools/call') {
    span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_EXECUTE_TOOL);
  } else if (method.startsWith('resources/')) {
    const uri = params?.['uri'];
    if (typeof uri === 'string') span.setAttribute(ATTR_MCP_RESOURCE_URI, uri);
  }
}

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
