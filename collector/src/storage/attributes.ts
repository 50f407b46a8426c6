/**
 * The span attribute names storage reads, from the SDK that emits them (`@mcpscope/sdk/semconv`, a light
 * entry point without the OpenTelemetry SDK), plus the few spellings storage needs in its own form.
 */
import {
  ATTR_MCPSCOPE_CAPTURE_TRUNCATED_SUFFIX,
  CALLER_FAULT_CODES as CALLER_FAULT_CODE_SET,
} from '@mcpscope/sdk/semconv';

export {
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPSCOPE_PROMPT_ARGUMENTS,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_TOOLS_FINGERPRINT,
  ATTR_MCPSCOPE_TOOLS_DEFINITIONS,
} from '@mcpscope/sdk/semconv';

/** Suffix of the attribute holding a captured payload's size before it was truncated. */
export const ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX = ATTR_MCPSCOPE_CAPTURE_TRUNCATED_SUFFIX;

export const METHOD_TOOLS_LIST = 'tools/list';

/**
 * JSON-RPC codes that are the caller's fault, as the strings `error.type` carries: on a server span they
 * do not make the span an error.
 */
export const CALLER_FAULT_CODES: readonly string[] = [...CALLER_FAULT_CODE_SET].map(String);
