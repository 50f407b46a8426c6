import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { FailureOutcome } from '../classifyOutcome.js';
import type { SessionIdentity } from '../identity.js';
import type { DownstreamRecord } from '../McpscopeSpanProcessor.js';
import { ToolListPages } from '../tools/ToolListPages.js';
import { InFlight } from './InFlight.js';
import type { RequestShape } from './RequestShapes.js';
import type { Subscription } from './SubscriptionRecorder.js';
import { UnsentRequests } from './UnsentRequests.js';

// The recorder's bookkeeping: one connection and the requests in flight on it, in each direction.

/** What the recorder knows about a transport, computed once per connection by the adapter. */
export interface TransportInfo {
  /** `mcpscope.transport.kind`. */
  kind: string;
  /** True for transports that carry HTTP (status codes, session ids, headers). */
  http: boolean;
  /** True when messages never leave the process (no serialization happens). */
  inMemory: boolean;
  /** Attributes every span of this connection carries (network.transport, server.address, …). */
  attributes: Attributes;
}

/**
 * What the recorder reads of a connection's transport while it runs: the HTTP session id, which a
 * Streamable HTTP transport learns (client side) or assigns (server side) after the connection starts.
 */
export interface SessionTransport {
  readonly sessionId?: string | undefined;
}

/** One connection of a Protocol to a transport: the requests in flight in each direction. */
export class Connection {
  /** Requests this process sent, by JSON-RPC id (the SDK numbers them). */
  readonly outgoing = new InFlight<number, OutgoingCall>();
  /** Requests this process received and has not answered yet, by JSON-RPC id. */
  readonly incoming = new InFlight<string | number, IncomingCall>();
  /** Requests this process made that the SDK queued (for an MCP task) instead of sending. */
  readonly unsent = new UnsentRequests();
  /**
   * Requests this process sent with a string id, which the MCP SDKs use only for requests they send
   * straight to the transport (2.x: the `server/discover` probe, `subscriptions/listen`), by id.
   */
  readonly direct = new Map<string, OutgoingCall>();
  /** Calls whose last result asked for input (2026-07-28 multi round-trip), oldest first. */
  readonly awaitingInput: OutgoingCall[] = [];
  /** Open `subscriptions/listen` requests this process sent, by JSON-RPC id. */
  readonly subscriptions = new Map<string | number, Subscription>();
  readonly startedAt = performance.now();
  /**
   * Bytes on the wire of the message being delivered right now, when the transport's read buffer told
   * (stdio: set as the line is cut from the buffer, just before the Protocol gets the message), so the
   * received size is the line's length instead of a second serialization. Read once by
   * {@link receivedBytes}.
   */
  wireBytes = -1;
  /** The pages of a paginated tools/list seen so far (a connection lists tools in one direction). */
  readonly toolPages = new ToolListPages();
  closed = false;
  /** This process closed the connection (`transport.close()`, which `Client.close()` calls). */
  closedLocally = false;

  constructor(
    readonly transport: SessionTransport,
    readonly info: TransportInfo,
    /** Whether request/response byte sizes are measured on this connection. */
    readonly measureBytes: boolean,
  ) {}
}

/**
 * The size of a received message: its wire size when the transport's read buffer reported it for this
 * very message, else the size of its JSON serialization.
 */
export function receivedBytes(conn: Connection, message: unknown): number {
  const wire = conn.wireBytes;
  conn.wireBytes = -1;
  return wire >= 0 ? wire : jsonBytes(message);
}

/** Bytes of a message's JSON serialization (what the stdio and HTTP transports send). */
export function jsonBytes(message: unknown): number {
  return Buffer.byteLength(JSON.stringify(message) ?? '', 'utf8');
}

/** The input an `input_required` result asked of a call (2026-07-28 multi round-trip). */
export interface AwaitedInput {
  /** Its `inputRequests`, by key. */
  readonly requests: Record<string, unknown>;
  /** Its `requestState`, which the retry echoes byte for byte. */
  readonly requestState: unknown;
}

/** What came back over the wire for a sent request. */
export type WireOutcome = 'none' | 'result' | 'error';

/** A request this process sent: its CLIENT span, and the transport span while it is on the wire. */
export class OutgoingCall {
  transportSpan: Span | undefined;
  /** True once any transport span was started (the transport span carries a transport fault then). */
  hadTransportSpan = false;
  sent = false;
  wire: WireOutcome = 'none';
  /** The result as it came over the wire, before the SDK parsed it (tools/list fingerprints use it). */
  rawResult: Record<string, unknown> | undefined;
  /** The JSON-RPC id of the request on the wire (of its latest leg, for a multi round-trip call). */
  id: number | string | undefined;
  /** True for a request the host sent straight to the transport: no promise ends it, its response does. */
  direct = false;
  /** How many `input_required` results this call went through (2026-07-28 multi round-trip). */
  inputRounds = 0;
  /** While the client fulfils the input the last result asked for: what it asked (see AwaitedInput). */
  awaiting: AwaitedInput | undefined;
  /** An embedded input request of this call failed (the client's handler for it threw). */
  inputFailed = false;
  /** The outcome a direct request ends with when something other than a response ended it. */
  forcedOutcome: FailureOutcome | undefined;
  /** When a direct request ended without a response, if not when it was ended (performance clock). */
  endTime: number | undefined;
  httpStatus: number | undefined;
  /** `params.cursor` of a tools/list request (which page it asks for). */
  listCursor: unknown;
  /** The command a tools/list names its server by when the host's request named one itself. */
  serverCommand: string | undefined;
  ended = false;
  readonly startTime = performance.now();
  readonly method: string;
  readonly target: string | undefined;

  constructor(
    readonly end: (call: OutgoingCall, value: unknown, error: unknown, failed: boolean) => void,
    readonly conn: Connection | undefined,
    readonly span: Span,
    readonly parentCtx: Context,
    readonly shape: RequestShape,
    readonly signal: AbortSignal | undefined,
  ) {
    this.method = shape.method;
    this.target = shape.target;
  }

  readonly onFulfilled = (value: unknown): void => this.end(this, value, undefined, false);
  readonly onRejected = (error: unknown): void => this.end(this, undefined, error, true);
}

/**
 * A request this process received: its SERVER span until the response is sent. It is also the
 * {@link DownstreamRecord} its handler's context carries (see `McpscopeSpanProcessor`).
 */
export class IncomingCall implements DownstreamRecord {
  ended = false;
  downstreamFailure: string | undefined = undefined;
  /** Set when McpServer ran the tool's own code (so an isError result is the tool's, not the caller's). */
  handlerRan = false;
  exceptionRecorded = false;
  /** `params.cursor` of a tools/list request (which page it asks for). */
  listCursor: unknown;
  /** The command a tools/list request named its server by (core/serverCommand.ts). */
  serverCommand: string | undefined;
  /** The task the request is about or made for (TaskMemory.ts). */
  taskId: string | undefined;
  /** The request's own identity, when identity is kept per request (ObserverSetup.identityPerRequest). */
  identity: SessionIdentity | undefined;
  readonly startTime = performance.now();
  readonly method: string;
  readonly target: string | undefined;

  constructor(
    readonly span: Span,
    readonly shape: RequestShape,
    /** The key the call is kept under on its connection (its JSON-RPC id, for an SDK endpoint). */
    readonly id: string | number,
    /** The context the SERVER span was started in. */
    readonly parent: Context,
  ) {
    this.method = shape.method;
    this.target = shape.target;
  }
}

/** What an observer that is not the endpoint itself (the proxy) tells `IncomingRequestRecorder.end`. */
export interface IncomingEnd {
  /** Bytes of the response on the wire, when the observer's framing counted them. */
  bytes?: number | undefined;
  /** When the span ends (performance clock), when not now: a cancelled request ends when the cancel passed. */
  at?: number | undefined;
  /**
   * Runs on a result just before the span ends, whether or not it records: the proxy's pins check a
   * tools/list result there (and may cut it before it is forwarded).
   */
  beforeEnd?: (call: IncomingCall, result: Record<string, unknown>) => void;
}
