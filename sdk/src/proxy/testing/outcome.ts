import { McpError } from '@modelcontextprotocol/sdk/types.js';

/** Call result or the JSON-RPC error it failed with, so success and failure compare alike. */
export async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { result: await call() };
  } catch (error) {
    if (error instanceof McpError) return { code: error.code, message: error.message };
    throw error;
  }
}
