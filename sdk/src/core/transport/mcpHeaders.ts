import type { Span } from '@opentelemetry/api';
import { headerValue } from '../metaPropagation.js';
import { ATTR_HTTP_REQUEST_HEADER_MCP_METHOD, ATTR_HTTP_REQUEST_HEADER_MCP_NAME } from '../../semconv.js';

// The 2026-07-28 era's routing headers on Streamable HTTP (SEP-2243): `Mcp-Method` names the JSON-RPC
// method of a request, `Mcp-Name` its target (`params.name` of tools/call and prompts/get, `params.uri`
// of resources/read, `params.taskId` of the Tasks methods), so intermediaries can route without reading
// the body. They are recorded as sent, under the general HTTP convention `http.request.header.<name>`
// (a string array), on the span of the HTTP exchange: the server's SERVER span, the client's transport
// span. The proxy records the same attributes.

/** Records the `Mcp-Method` and `Mcp-Name` headers of an HTTP request (a Node or Fetch header bag). */
export function recordMcpHeaders(span: Span, headers: unknown): void {
  const method = headerValue(headers, 'mcp-method');
  if (method !== undefined) span.setAttribute(ATTR_HTTP_REQUEST_HEADER_MCP_METHOD, [method]);
  const name = headerValue(headers, 'mcp-name');
  if (name !== undefined) span.setAttribute(ATTR_HTTP_REQUEST_HEADER_MCP_NAME, [name]);
}
