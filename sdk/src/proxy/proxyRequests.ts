import { ROOT_CONTEXT, trace, type AttributeValue, type Context, type Span } from '@opentelemetry/api';
import { classifyPeerCancel } from '../core/classifyOutcome.js';
import type { SessionIdentity } from '../core/identity.js';
import type { Unanswered } from './proxySessionOptions.js';
import { recordOutcome } from '../core/recorder/recordOutcome.js';

// The requests of one proxy session that await a response, in both directions: the lookups that tie a
// response, a cancel, a progress notification or a server message to the request it belongs to, and
// the end of a request that gets no response.

/** A request passing through the proxy that has not been answered yet. */
export interface ProxyRequest {
  span: Span;
  method: string;
  /** True for agent → server requests (SERVER spans), false for server → agent requests (CLIENT spans). */
  toServer: boolean;
  mapKey: string;
  idKey: string;
  scope: string;
  progressKey?: string;
  /** `params.cursor` of a tools/list request (which page it asks for). */
  listCursor: unknown;
  /** The attributes the span started with (the identity of the session, or of this request). */
  common: ReadonlyArray<[string, AttributeValue]>;
  /** This request's own identity, in a session shared by many clients (`identityPerRequest`). */
  identity?: SessionIdentity;
  cancelled?: { at: number; reason?: string; timer: NodeJS.Timeout };
}

/** The requests in flight of one session (see the module comment). */
export class ProxyRequests {
  /** Agent → server requests by scope and id. */
  readonly toServer = new Map<string, ProxyRequest>();
  /** Server → agent requests by id. */
  readonly toClient = new Map<string, ProxyRequest>();
  private readonly byProgressToken = new Map<string, ProxyRequest>();

  /** Number of requests awaiting a response, in both directions. */
  get size(): number {
    return this.toServer.size + this.toClient.size;
  }

  /** The request in flight in that direction under `mapKey`. */
  get(toServer: boolean, mapKey: string): ProxyRequest | undefined {
    return (toServer ? this.toServer : this.toClient).get(mapKey);
  }

  /** Tracks `entry` until it is answered (and by its progress token, when it has one). */
  add(entry: ProxyRequest): void {
    if (entry.progressKey !== undefined) this.byProgressToken.set(entry.progressKey, entry);
    (entry.toServer ? this.toServer : this.toClient).set(entry.mapKey, entry);
  }

  /** The request that asked for progress under this token key. */
  byProgress(progressKey: string): ProxyRequest | undefined {
    return this.byProgressToken.get(progressKey);
  }

  /** Stops tracking `entry` (its cancel grace timer too). */
  forget(entry: ProxyRequest): void {
    if (entry.cancelled !== undefined) clearTimeout(entry.cancelled.timer);
    const map = entry.toServer ? this.toServer : this.toClient;
    if (map.get(entry.mapKey) === entry) map.delete(entry.mapKey);
    if (entry.progressKey !== undefined && this.byProgressToken.get(entry.progressKey) === entry) {
      this.byProgressToken.delete(entry.progressKey);
    }
  }

  /** Ends a cancelled request's span as cancelled, at the time the cancel passed. */
  endCancelled(entry: ProxyRequest): void {
    const cancelled = entry.cancelled;
    if (cancelled === undefined) return;
    this.forget(entry);
    const span = entry.span;
    const outcome = classifyPeerCancel(cancelled.reason, entry.toServer ? 'server' : 'client');
    recordOutcome(span, outcome, outcome.message ?? outcome.errorType);
    // Performance-clock timestamps are what the SDK expects for small numbers: the span ends when the
    // cancel passed, not when the grace period ran out.
    span.end(cancelled.at);
  }

  /** Ends a request's span without a response: `outcome` says how (a cancelled one ends as cancelled). */
  endUnanswered(entry: ProxyRequest, outcome: Unanswered): void {
    if (entry.cancelled !== undefined) {
      this.endCancelled(entry);
      return;
    }
    this.forget(entry);
    const span = entry.span;
    if (outcome.attributes !== undefined) span.setAttributes(outcome.attributes);
    const failure = outcome.outcome;
    if (failure !== undefined) recordOutcome(span, failure, failure.message ?? failure.errorType);
    span.end();
  }

  /**
   * The agent request a response or cancel refers to: first in its own scope, then in any (an HTTP
   * client may resume a stream on another connection).
   */
  findAgentRequest(scope: string | undefined, key: string): ProxyRequest | undefined {
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
  soleAgentRequest(scope: string): ProxyRequest | undefined {
    let inScope: ProxyRequest | undefined;
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

  /** The context of {@link soleAgentRequest}'s span, the parent of a server → agent request. */
  soleAgentRequestContext(scope: string): Context | undefined {
    const entry = this.soleAgentRequest(scope);
    return entry !== undefined ? trace.setSpan(ROOT_CONTEXT, entry.span) : undefined;
  }
}
