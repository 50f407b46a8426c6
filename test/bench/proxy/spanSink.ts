import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local OTLP/HTTP endpoint that accepts every export and counts the spans in it. */
export interface SpanSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT; `${endpoint}/NAME` gives an exporter a count of its own. */
  endpoint: string;
  /** Spans received under `/NAME/` (`''`: exported to `endpoint` itself). */
  spans(name?: string): number;
  /** Export requests received under `/NAME/`. */
  requests(name?: string): number;
  close(): void;
}

/**
 * Starts the sink. Spans are counted by their `mcpscope.source` attribute key, one per span in the
 * protobuf body, per path prefix: the exporter appends `/v1/traces` to the endpoint it is given, so
 * two proxies exporting to `endpoint` and `endpoint/baseline` share one sink process and are counted
 * apart.
 */
export async function startSpanSink(): Promise<SpanSink> {
  const marker = Buffer.from('mcpscope.source');
  const spans = new Map<string, number>();
  const requests = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const name = /^\/([^/]+)\/v1\//.exec(req.url ?? '')?.[1] ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      let count = 0;
      for (let at = body.indexOf(marker); at !== -1; at = body.indexOf(marker, at + marker.length)) count++;
      spans.set(name, (spans.get(name) ?? 0) + count);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: (name = '') => spans.get(name) ?? 0,
    requests: (name = '') => requests.get(name) ?? 0,
    close: () => server.close(),
  };
}
