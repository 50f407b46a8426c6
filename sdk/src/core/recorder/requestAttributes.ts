import type { Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_RESOURCE_URI,
  GEN_AI_OPERATION_EXECUTE_TOOL,
} from '../../semconv.js';

// The attributes a request's own params give its span: its target (tool or prompt name) and the
// per-method semconv attributes.

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
