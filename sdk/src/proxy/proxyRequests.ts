import type { Span } from '@opentelemetry/api';
import type { Connection, IncomingCall, OutgoingCall } from '../core/recorder/calls.js';
import type { SpanRecorder } from '../core/recorder/SpanRecorder.js';
import type { Unanswered } from './proxySessionOptions.js';

// The proxy's own bookkeeping of the requests of one session that await a response, in both
// directions, beside the core recorder's calls: which HTTP exchange (scope) an agent request came on,
// its progress token, and a cancel waiting for its grace period. These are the lookups that tie a
// response, a cancel, a progress notification or a server message to the request it belongs to when
// many exchanges share a session, and how a request that got no response ends. The spans themselves are
// the recorder's.

/** What an agent → server and a server → agent request have in common here. */
interface RequestEntry {
  span: Span;
  method: string;
  mapKey: string;
  idKey: string;
  scope: string;
  progressKey?: string;
  cancelled?: { at: number; reason?: string; timer: NodeJS.Timeout };
}

/** An agent → server request: the core's SERVER span. */
export interface AgentRequest extends RequestEntry {
  toServer: true;
  call: IncomingCall;
}

/** A server → agent request: the core's CLIENT span of a relayed request. */
export interface ServerRequest extends RequestEntry {
  toServer: false;
  call: OutgoingCall;
}

/** A request passing through the proxy that has not been answered yet. */
export type ProxyRequest = AgentRequest | ServerRequest;

/** The requests in flight of one session (see the module comment). */
export class ProxyRequests {
  constructor(
    private readonly recorder: SpanRecorder,
    private readonly conn: Connection,
    /** How long a cancelled request waits for its response before it ends as cancelled. */
    private readonly cancelGraceMs: number,
    /** Describes the spans still waiting for it before one ends (ProxySession.settle). */
    private readonly settle: () => void,
  ) {}

  /** Agent → server requests by scope and id. */
  readonly toServer = new Map<string, AgentRequest>();
  /** Server → agent requests by id. */
  readonly toClient = new Map<string, ServerRequest>();
  private readonly byProgressToken = new Map<string, ProxyRequest>();

  /** Number of requests awaiting a response, in both directions. */
  get size(): number {
    return this.toServer.size + this.toClient.size;
  }

  /** Tracks `entry` until it is answered (and by its progress token, when it has one). */
  add(entry: ProxyRequest): void {
    if (entry.progressKey !== undefined) this.byProgressToken.set(entry.progressKey, entry);
    if (entry.toServer) this.toServer.set(entry.mapKey, entry);
    else this.toClient.set(entry.mapKey, entry);
  }

  /** The request that asked for progress under this token key. */
  byProgress(progressKey: string): ProxyRequest | undefined {
    return this.byProgressToken.get(progressKey);
  }

  /** Stops tracking `entry` (its cancel grace timer too). */
  forget(entry: ProxyRequest): void {
    if (entry.cancelled !== undefined) clearTimeout(entry.cancelled.timer);
    const map: Map<string, ProxyRequest> = entry.toServer ? this.toServer : this.toClient;
    if (map.get(entry.mapKey) === entry) map.delete(entry.mapKey);
    if (entry.progressKey !== undefined && this.byProgressToken.get(entry.progressKey) === entry) {
      this.byProgressToken.delete(entry.progressKey);
    }
  }

  /** Ends a request without a response: `outcome` says how (a cancelled one ends as cancelled). */
  endUnanswered(entry: ProxyRequest, outcome: Unanswered): void {
    if (entry.cancelled !== undefined) {
      this.endCancelled(entry);
      return;
    }
    this.forget(entry);
    if (outcome.attributes !== undefined && entry.span.isRecording())
      entry.span.setAttributes(outcome.attributes);
    if (entry.toServer) this.recorder.incoming.end(this.conn, entry.call, undefined, outcome.outcome);
    else this.recorder.outgoing.finish(entry.call, outcome.outcome);
  }

  /**
   * A cancel of `entry` passed with `reason`: unless its response still comes within the grace period (a
   * peer may have sent it already), it ends as cancelled, at the time the cancel passed.
   */
  cancelled(entry: ProxyRequest, reason: string | undefined): void {
    const timer = setTimeout(() => {
      this.settle();
      this.endCancelled(entry);
    }, this.cancelGraceMs);
    timer.unref();
    entry.cancelled = { at: performance.now(), reason, timer };
  }

  /** Ends a cancelled request as cancelled (or timed out), at the time the cancel passed. */
  private endCancelled(entry: ProxyRequest): void {
    const cancelled = entry.cancelled;
    if (cancelled === undefined) return;
    this.forget(entry);
    const recorder = this.recorder;
    if (entry.toServer) recorder.incoming.cancelled(this.conn, entry.call, cancelled.reason, cancelled.at);
    else recorder.outgoing.finish(entry.call, recorder.outgoing.peerCancel(cancelled.reason), cancelled.at);
  }

  /**
   * The agent request a response or cancel refers to: first in its own scope, then in any (an HTTP
   * client may resume a stream on another connection).
   */
  findAgentRequest(scope: string | undefined, key: string): AgentRequest | undefined {
    if (scope !== undefined) {
      const entry = this.toServer.get(`${scope}\u0000${key}`);
      if (entry !== undefined) return entry;
    }
    for (const entry of this.toServer.values()) if (entry.idKey === key) return entry;
    return undefined;
  }

  /** Whether an agent request of this method awaits its response (a scan: only the pin guard asks). */
  hasAgentRequest(method: string): boolean {
    for (const entry of this.toServer.values()) if (entry.method === method) return true;
    return false;
  }

  /**
   * The agent request a server message without a request id belongs to. Server → agent requests
   * (sampling, elicitation, roots) and log messages are sent while handling an agent request, but
   * JSON-RPC does not say which: when exactly one is in flight on the message's channel (the HTTP
   * response it came on), or else in the whole session, it is that one; otherwise we do not guess.
   */
  soleAgentRequest(scope: string): AgentRequest | undefined {
    let inScope: AgentRequest | undefined;
    let inScopeCount = 0;
    for (const entry of this.toServer.values()) {
      if (entry.scope !== scope) continue;
      inScope = entry;
      inScopeCount++;
    }
    if (inScopeCount === 1) return inScope;
    if (inScopeCount === 0 && this.toServer.size === 1) return this.toServer.values().next().value;
    return undefined;
  }
}
