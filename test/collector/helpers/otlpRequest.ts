/**
 * Small OTLP/protobuf `ExportTraceServiceRequest` bodies for senders that must know exactly which
 * spans each request carried: one trace per request, `spans` spans, fresh random ids. Encoded with
 * protobufjs's Writer from the field numbers of opentelemetry-proto (trace/v1, collector/trace/v1).
 */
import { randomBytes } from 'node:crypto';
import protobuf from 'protobufjs/minimal.js';

export interface OtlpRequest {
  body: Buffer;
  traceId: string;
  spanIds: string[];
}

export function otlpRequest(spans: number, service = 'sender'): OtlpRequest {
  const traceId = randomBytes(16);
  const spanIds: string[] = [];
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork(); // ResourceSpans
  w.uint32((1 << 3) | 2).fork(); // Resource
  w.uint32((1 << 3) | 2).fork(); // KeyValue service.name
  w.uint32((1 << 3) | 2).string('service.name');
  w.uint32((2 << 3) | 2)
    .fork()
    .uint32((1 << 3) | 2)
    .string(service)
    .ldelim();
  w.ldelim();
  w.ldelim();
  w.uint32((2 << 3) | 2).fork(); // ScopeSpans
  let root: Buffer | undefined;
  for (let i = 0; i < spans; i++) {
    const spanId = randomBytes(8);
    spanIds.push(spanId.toString('hex'));
    const start = nowNs + BigInt(i) * 1000n;
    w.uint32((2 << 3) | 2).fork(); // Span
    w.uint32((1 << 3) | 2).bytes(traceId);
    w.uint32((2 << 3) | 2).bytes(spanId);
    if (root) w.uint32((4 << 3) | 2).bytes(root);
    w.uint32((5 << 3) | 2).string(i === 0 ? 'tools/call get_weather' : 'GET');
    w.uint32((6 << 3) | 0).uint32(i === 0 ? 3 : 1);
    w.uint32((7 << 3) | 1)
      .fixed32(Number(start & 0xffffffffn))
      .fixed32(Number(start >> 32n));
    const end = start + 500_000n;
    w.uint32((8 << 3) | 1)
      .fixed32(Number(end & 0xffffffffn))
      .fixed32(Number(end >> 32n));
    w.uint32((9 << 3) | 2).fork(); // KeyValue mcp.method.name
    w.uint32((1 << 3) | 2).string('mcp.method.name');
    w.uint32((2 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('tools/call')
      .ldelim();
    w.ldelim();
    w.ldelim();
    root ??= spanId;
  }
  w.ldelim();
  w.ldelim();
  return { body: Buffer.from(w.finish()), traceId: traceId.toString('hex'), spanIds };
}
