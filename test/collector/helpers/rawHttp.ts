/**
 * A raw HTTP/1.1 connection for tests that need what `fetch` and `http.request` hide: sending a request
 * in pieces (headers now, the rest later, a body one byte at a time), reusing one keep-alive
 * connection on purpose, and seeing exactly what the server wrote and when it closed the connection.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lowercased. */
  headers: Record<string, string>;
  body: Buffer;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private isClosed = false;
  /** Resolves when the server (or the client) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    // A reset is one way for the server to close: it ends up in `closed` like any other.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Writes one byte of `body` every `intervalMs` until the body is sent or the connection closes. */
  drip(body: Buffer, intervalMs: number): void {
    let i = 0;
    const timer = setInterval(() => {
      if (this.isClosed || i >= body.length) {
        clearInterval(timer);
        return;
      }
      this.write(body.subarray(i, ++i));
    }, intervalMs);
    void this.closed.then(() => clearInterval(timer));
  }

  /**
   * The next complete response (Content-Length bodies; every answer of the collector has one), or
   * undefined if the connection closed first. Rejects after `timeoutMs`.
   */
  async response(timeoutMs = 10_000): Promise<RawResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.take();
      if (parsed) return parsed;
      if (this.isClosed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no response within ${timeoutMs} ms; received: ${this.buffer.toString()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length);
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The head of a POST request, up to and including the blank line. */
export function requestHead(path: string, headers: Record<string, string | number>, method = 'POST'): string {
  const lines = Object.entries({ host: 'localhost', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
