import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Responses whose request handed spans to storage: a drain waits for their answer even after the
 * grace period (see {@link HttpDrain.close}).
 */
const committing = new WeakSet<ServerResponse>();

/**
 * Marks a response as one a shutdown must wait for: its request's spans may be committed, and if the
 * connection were cut before the 200 the exporter would send them again (stored twice). The batcher
 * answers such a request within its own bounds (an insert, its retries), so waiting is bounded too.
 */
export function holdThroughDrain(res: ServerResponse): void {
  committing.add(res);
}

/** Options of {@link HttpDrain}. */
export interface HttpDrainOptions {
  /**
   * Writes the body of the answer to a request that arrives during the drain; status 503,
   * `Retry-After` and `Connection: close` are already set. Default: JSON `{ error }`.
   */
  refuse?: (req: IncomingMessage, res: ServerResponse, message: string) => void;
  /** `Retry-After` of that answer, in seconds. Default 5, as the batcher's 503 when storage is down. */
  retryAfterSeconds?: number;
  /** Progress of a drain. Default: silent. */
  log?: (msg: string) => void;
}

/**
 * Graceful shutdown of an HTTP server that serves keep-alive clients. `server.close()` alone stops
 * the listener but lets open keep-alive connections bring new requests for as long as their senders
 * keep sending, and waits for a connection that drips its body forever. A drain:
 *
 * 1. closes the listener and the idle keep-alive connections at once;
 * 2. lets the requests in flight finish, answered with `Connection: close`;
 * 3. refuses a request that arrives on a still-open connection with 503 + `Retry-After` +
 *    `Connection: close` (OTLP exporters retry 503; a load balancer sends the retry elsewhere);
 * 4. after the grace period, closes every connection still open — except those whose request is
 *    waiting for its spans to be committed ({@link holdThroughDrain}).
 *
 * The drain owns the server's `request` event: create the server without a listener and let the
 * drain pass requests to `handler`.
 */
export class HttpDrain {
  private draining = false;
  /** Open connections and, for each, the responses not yet finished. */
  private readonly connections = new Map<Socket, Set<ServerResponse>>();
  private readonly retryAfter: string;
  private readonly log: (msg: string) => void;
  private readonly refuse: NonNullable<HttpDrainOptions['refuse']>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    handler: RequestListener,
    options: HttpDrainOptions = {},
  ) {
    this.retryAfter = String(options.retryAfterSeconds ?? 5);
    this.log = options.log ?? (() => {});
    this.refuse = options.refuse ?? refuseAsJson;
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, new Set());
      socket.once('close', () => this.connections.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.draining) {
        this.refuseDuringDrain(req, res);
        return;
      }
      const inFlight = this.connections.get(req.socket);
      inFlight?.add(res);
      res.once('close', () => {
        inFlight?.delete(res);
        // A response whose headers went out before the drain began kept its connection alive: close
        // it now that it is idle.
        if (this.draining) setImmediate(() => this.server.closeIdleConnections());
      });
      handler(req, res);
    });
  }

  /**
   * Drains the server (see the class comment) and resolves once every connection is closed.
   * `graceMs` bounds how long a connection may hold the drain open, except one waiting for its
   * spans to be committed. Idempotent: later calls return the first drain.
   */
  close(graceMs: number): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.draining = true;
      const grace = setTimeout(() => this.endGrace(), graceMs);
      this.server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      this.server.closeIdleConnections();
      for (const responses of this.connections.values()) {
        for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      if (this.connections.size > 0) {
        this.log(`draining ${this.connections.size} open connection(s) for at most ${graceMs} ms`);
      }
    });
    return this.closing;
  }

  private endGrace(): void {
    let cut = 0;
    let held = 0;
    for (const [socket, responses] of this.connections) {
      if ([...responses].some((res) => committing.has(res))) {
        held++;
        continue;
      }
      socket.destroy();
      cut++;
    }
    if (cut > 0 || held > 0) {
      this.log(
        `grace period over: closed ${cut} connection(s)` +
          (held > 0 ? `, waiting for ${held} request(s) whose spans are being committed` : ''),
      );
    }
  }

  private refuseDuringDrain(req: IncomingMessage, res: ServerResponse): void {
    // Whatever body the request has is not read: the connection closes after the answer.
    res.statusCode = 503;
    res.setHeader('Retry-After', this.retryAfter);
    res.setHeader('Connection', 'close');
    this.refuse(req, res, 'the collector is shutting down; retry later');
  }
}

function refuseAsJson(_req: IncomingMessage, res: ServerResponse, message: string): void {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error: message }));
}
