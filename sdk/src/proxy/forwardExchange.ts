import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type http from 'node:http';
import type https from 'node:https';
import { diag, type Attributes } from '@opentelemetry/api';
import {
  CANCELLED_BY_PEER,
  CLOSED_BEFORE_RESPONSE,
  httpStatusOutcome,
  TRANSPORT_FAILURE,
  type FailureOutcome,
} from '../core/classifyOutcome.js';
import { PIN_MISMATCH } from '../core/pins/PinGuard.js';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '../semconv.js';
import { errorCode, headerValue, parseJson, parseJsonText, responseHeaders } from './httpMessages.js';
import type { ProxySession } from './proxySession.js';
import { parseSseEvent, withSseData } from './sseEvent.js';
import { SseEventFramer } from './sseEventFramer.js';

// One HTTP exchange of the Streamable HTTP proxy: the request goes upstream, the response streams back
// to the agent, and, when the exchange is traced, the response is read as it passes (SSE event by
// event, JSON at the end) to end the spans of the requests it answers.

// Every notification and request has a "method" key; an SSE event without one needs no rewriting.
const METHOD_KEY = Buffer.from('"method"');
/** What replaces an SSE event that is dropped: nothing. */
const UNREADABLE_EVENT = Buffer.alloc(0);

/** Where the proxy forwards to: the HTTP or HTTPS client module and its keep-alive agent. */
export interface Upstream {
  client: typeof http | typeof https;
  agent: http.Agent;
}

/** A proxied exchange whose messages are traced. */
export interface Traced {
  session: ProxySession;
  /** The channel the exchange's responses come back on (see `ProxySession`). */
  scope: string;
  sessionId?: string | undefined;
  /** The agent's connection (client.address/port), for spans started by the server's messages. */
  attributes: Attributes;
}

/**
 * Tracing of one SSE response, event by event. An event that carries a method (a server notification
 * or request) is traced before it is forwarded, since the session may add trace context to it; the
 * others — responses, the common case — go out first and are traced right after the write
 * (`afterWrite`), so ending a span never delays the agent. Events are traced in the order they came.
 * While the pins may cut a tools/list result (`session.mustInspect()`), every event is read before it
 * goes out, and one whose data the proxy cannot read as JSON is dropped rather than passed unchecked.
 */
function sseTracer(traced: Traced): { framer: SseEventFramer; afterWrite(): void } {
  const later: Buffer[] = [];
  const trace = (raw: Buffer, inspect = false): Buffer | undefined => {
    const event = parseSseEvent(raw);
    if (event === undefined) return undefined;
    const msg = parseJsonText(event.data);
    if (msg === undefined) return inspect && event.data.trim() !== '' ? UNREADABLE_EVENT : undefined;
    const changed = traced.session.fromServer(msg, {
      bytes: Buffer.byteLength(event.data),
      scope: traced.scope,
      attributes: traced.attributes,
    });
    return changed ? withSseData(raw, JSON.stringify(msg)) : undefined;
  };
  const traceLater = (): void => {
    for (let i = 0; i < later.length; i++) {
      try {
        trace(later[i]!);
      } catch (error) {
        diag.error('mcpscope proxy: failed to trace a message', error);
      }
    }
    later.length = 0;
  };
  const framer = new SseEventFramer((raw) => {
    const inspect = traced.session.mustInspect();
    if (raw.indexOf(METHOD_KEY) === -1 && !inspect) {
      later.push(raw);
      return undefined;
    }
    traceLater();
    return trace(raw, inspect);
  });
  return {
    framer,
    afterWrite: () => {
      traceLater();
      traced.session.settle();
    },
  };
}

/**
 * Sends the request upstream and streams the response back. With `traced`, the response is read as
 * it streams (SSE event by event, JSON at the end) to end the requests' spans, and SSE events that
 * carry a server notification or request get trace context in their `_meta`.
 */
export function forwardExchange(
  upstream: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  headers: OutgoingHttpHeaders,
  body: Buffer | undefined,
  onHead: ((status: number, headers: IncomingHttpHeaders) => void) | undefined,
  traced?: Traced,
): void {
  const upstreamReq = upstream.client.request(target, { method: req.method, headers, agent: upstream.agent });
  let finished = false;
  /** Ends the requests of this exchange that got no response; without an outcome, as unknown. */
  const endScope = (outcome: FailureOutcome | undefined, attributes?: Attributes): void => {
    if (traced === undefined || finished) return;
    finished = true;
    traced.session.endScope(traced.scope, {
      ...(outcome !== undefined ? { outcome } : {}),
      ...(attributes !== undefined ? { attributes } : {}),
    });
  };

  upstreamReq.on('error', (error) => {
    diag.debug('mcpscope proxy: upstream request failed', error);
    if (!res.headersSent) {
      endScope(TRANSPORT_FAILURE);
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: `mcpscope proxy: upstream unreachable (${errorCode(error)})` },
          id: null,
        }),
      );
    } else {
      endScope(CLOSED_BEFORE_RESPONSE);
      res.destroy();
    }
  });
  // The agent went away before the answer: for the server's view the request was abandoned.
  res.on('close', () => {
    if (!res.writableFinished) {
      upstreamReq.destroy();
      endScope(CANCELLED_BY_PEER);
    }
  });

  upstreamReq.on('response', (upstreamRes) => {
    const status = upstreamRes.statusCode ?? 502;
    onHead?.(status, upstreamRes.headers);
    const contentType = headerValue(upstreamRes.headers['content-type'])?.toLowerCase() ?? '';
    const encoding = headerValue(upstreamRes.headers['content-encoding']);
    const identity = encoding === undefined || encoding.toLowerCase() === 'identity';
    const readable = traced !== undefined && identity;
    // Pins in block mode with a tools/list in flight: any answer may carry its result (the agent's
    // client takes a response by id, whichever stream brings it), so bodies are judged the way MCP
    // clients pick them — by the media type anywhere in Content-Type — and read before they go out.
    const inspect = traced !== undefined && traced.session.mustInspect();
    if (inspect && !identity) {
      upstreamRes.resume();
      refuseUnchecked(`a ${encoding}-encoded body`);
      return;
    }
    const sse =
      readable &&
      (inspect ? contentType.includes('text/event-stream') : contentType.startsWith('text/event-stream'));
    const hold = inspect && !sse && contentType.includes('application/json');
    const outHeaders = responseHeaders(upstreamRes.headers);
    // An event stream may be rewritten (trace context in notifications), so its length can change.
    if (sse || hold) delete outHeaders['content-length'];
    // A held body is written whole at the end, with its head: it may still be refused then.
    if (!hold) {
      res.writeHead(status, upstreamRes.statusMessage, outHeaders);
      res.flushHeaders();
    }

    /** Bytes to send for a chunk: the chunk itself unless the response is being rewritten. */
    let onChunk: ((chunk: Buffer) => Buffer | undefined) | undefined;
    /** Runs once the chunk's bytes are written. */
    let afterWrite: (() => void) | undefined;
    let onEnd: (() => Buffer | undefined) | undefined;
    if (sse) {
      const events = sseTracer(traced!);
      onChunk = (chunk) => events.framer.push(chunk);
      afterWrite = events.afterWrite;
      onEnd = () => {
        const rest = events.framer.end();
        events.afterWrite();
        return rest;
      };
    } else if (hold || (readable && contentType.startsWith('application/json'))) {
      const chunks: Buffer[] = [];
      onChunk = (chunk) => {
        chunks.push(chunk);
        return hold ? undefined : chunk;
      };
      onEnd = () => {
        const whole = Buffer.concat(chunks);
        const msg = parseJson(whole);
        const changed =
          msg !== undefined &&
          traced!.session.fromServer(msg, {
            bytes: whole.length,
            scope: traced!.scope,
            attributes: traced!.attributes,
          });
        if (!hold) return undefined;
        if (msg === undefined && whole.length > 0) {
          refuseUnchecked('a JSON body it cannot parse');
          return undefined;
        }
        res.writeHead(status, upstreamRes.statusMessage, outHeaders);
        return changed ? Buffer.from(JSON.stringify(msg), 'utf8') : whole;
      };
    }

    upstreamRes.on('data', (chunk: Buffer) => {
      const out = onChunk === undefined ? chunk : onChunk(chunk);
      if (out !== undefined && !res.write(out)) {
        upstreamRes.pause();
        res.once('drain', () => upstreamRes.resume());
      }
      afterWrite?.();
    });
    upstreamRes.on('end', () => {
      const rest = onEnd?.();
      if (res.writableEnded) return;
      if (rest !== undefined) res.write(rest);
      res.end();
      if (status >= 400) {
        // The proxy stands in front of the server: the receiver's view of the status.
        endScope(httpStatusOutcome(status, traced?.sessionId !== undefined, true));
      } else if (onChunk === undefined) {
        // A body we could not read (compressed, or not JSON/SSE): whether it answered is unknown.
        endScope(undefined, { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status });
      } else {
        // The server closed the response without answering every request it carried.
        endScope(CLOSED_BEFORE_RESPONSE);
      }
    });
    upstreamRes.on('aborted', () => {
      endScope(CLOSED_BEFORE_RESPONSE);
      res.destroy();
    });
  });

  /**
   * Answers 502 instead of a server answer that may carry a tools/list result the proxy cannot read:
   * with pins in block mode, what cannot be checked does not reach the agent.
   */
  function refuseUnchecked(what: string): void {
    diag.warn(`mcpscope proxy: refused ${what} from the server while checking tools against pins`);
    endScope(PIN_MISMATCH);
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message: `mcpscope proxy: the server sent ${what}, which cannot be checked against the pins`,
        },
        id: null,
      }),
    );
  }

  if (body !== undefined) upstreamReq.end(body);
  else req.pipe(upstreamReq);
}
