import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  GEN_AI_OPERATION_EXECUTE_TOOL,
} from '../../semconv.js';

// The attributes a request's own params give its span: its target (tool or prompt name) and the
// per-method semconv attributes. The SDK's recorder and the proxy both name calls with these.

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
  eachRequestAttribute(method, params, (key, value) => span.setAttribute(key, value));
}

/**
 * All the attributes a request's own method and params give its span, `mcp.method.name` and the target
 * name included: what a span starts with when nothing is precomputed for its shape (the proxy).
 */
export function requestAttributes(
  method: string,
  target: string | undefined,
  params: Record<string, unknown> | undefined,
): Attributes {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
  if (target !== undefined)
    attributes[method === 'tools/call' ? ATTR_GEN_AI_TOOL_NAME : ATTR_GEN_AI_PROMPT_NAME] = target;
  eachRequestAttribute(method, params, (key, value) => (attributes[key] = value));
  return attributes;
}

function eachRequestAttribute(
  method: string,
  params: Record<string, unknown> | undefined,
  set: (key: string, value: AttributeValue) => void,
): void {
  if (method === 'tools/call') {
    set(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_EXECUTE_TOOL);
  } else if (method.startsWith('resources/')) {
    const uri = params?.['uri'];
    if (typeof uri === 'string') set(ATTR_MCP_RESOURCE_URI, uri);
  }
}
