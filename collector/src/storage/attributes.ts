/**
 * The handful of span attribute names storage reads. The source of truth is `sdk/src/semconv.ts`
 * (the SDK emits them); they are re-declared here because the SDK package does not export that module
 * and a relative import across packages is not allowed. Keep the strings identical.
 */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** Captured prompts/get arguments (mcpscope's own: semconv has no prompt-arguments attribute). */
export const ATTR_MCPSCOPE_PROMPT_ARGUMENTS = 'mcpscope.prompt.arguments';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_MCPSCOPE_LAYER = 'mcpscope.layer';
export const ATTR_MCPSCOPE_FAULT = 'mcpscope.fault';
export const ATTR_MCPSCOPE_SERVER_NAME = 'mcpscope.server.name';
export const ATTR_MCPSCOPE_SERVER_VERSION = 'mcpscope.server.version';
export const ATTR_MCPSCOPE_SERVER_COMMAND = 'mcpscope.server.command';
export const ATTR_MCPSCOPE_TOOLS_FINGERPRINT = 'mcpscope.tools.fingerprint';
export const ATTR_MCPSCOPE_TOOLS_DEFINITIONS = 'mcpscope.tools.definitions';
/** Suffix of the attribute holding a captured payload's size before the SDK truncated it. */
export const ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX = '.original_size';

export const METHOD_TOOLS_LIST = 'tools/list';

/**
 * JSON-RPC codes that are the caller's fault (parse error, invalid request, method not found, invalid
 * params, resource not found): on a server span they do not make the span an error.
 */
export const CALLER_FAULT_CODES = ['-32700', '-32600', '-32601', '-32602', '-32002'] as const;
