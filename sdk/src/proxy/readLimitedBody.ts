import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Default cap on an HTTP request body the proxy reads, in bytes: 4 MiB, the MCP TypeScript SDK's own
 * Streamable HTTP limit (`DEFAULT_MAX_REQUEST_BODY_SIZE = 4 * 1024 * 1024` in
 * `@modelcontextprotocol/sdk/dist/esm/server/requestBody.js`, used by `webStandardStreamableHttp.js`;
 * the SSE transport's `MAXIMUM_MESSAGE_SIZE = '4mb'`), so the proxy refuses nothing an SDK server
 * would have taken.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * How long a refused client may go on sending the rest of its body (read and dropped) before the
 * connection is cut. Closing a socket with unread data resets it, and a reset can destroy the 413 before
 * the client has read it; beyond this the client is not just finishing its upload.
 */
const DISCARD_GRACE_MS = 5000;

/**
 * Reads a request body of at most `maxBytes`. Resolves with undefined, as soon as it is known, when the
 * body is larger: a declared `Content-Length` over the cap is refused before reading a byte, a body of
 * unknown length (chunked) once the running total passes it; what was read is dropped, so a client can
 * never make the proxy hold more than `maxBytes` of its body.
 */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks = [];
      resolve(undefined);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = (): void => {
      cleanup();
      reject(new Error('request body aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The message of the 413 answer; it names the limit so the agent's operator knows what to raise. */
export function bodyTooLargeMessage(maxBytes: number): string {
  return `Payload Too Large: request body must not exceed ${maxBytes} bytes (mcpscope proxy --max-body-bytes)`;
}

/**
 * Answers a body over the cap with 413 and a JSON-RPC error (-32600, Invalid Request: no message of it
 * was read, so there is no id to answer), then drops the rest of the body as it arrives and closes the
 * connection: the client may still be uploading, and buffering that is what the cap prevents.
 */
export function refuseOversizeBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: null,
    error: { code: -32600, message: bodyTooLargeMessage(maxBytes) },
  });
  res.writeHead(413, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_GRACE_MS);
  timer.unref();
  req.socket.once('close', () => clearTimeout(timer));
  req.resume();
}
