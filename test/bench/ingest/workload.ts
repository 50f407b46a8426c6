/**
 * Realistic MCP traffic as OTLP protobuf request bodies, built once per run as templates with
 * protobufjs's `Writer` (see {@link buildTemplates}); {@link RequestPatcher} then stamps fresh random
 * ids and current times into a copy of a template for every request sent. Encoding a body span by
 * span costs far more than the collector spends decoding it, so a generator that encoded per request
 * would measure itself; patching is a copy plus a few kilobytes of random bytes per request.
 *
 * One tools/call is one trace of three or four spans, as the mcpscope SDK records it (attribute names
 * from sdk/src/semconv.ts; the same shapes as collector/src/storage/fixtures.ts): the agent process
 * exports the CLIENT span and the transport span under its own resource, the server process the SERVER
 * span and — for calls that reach a backend — a downstream HTTP CLIENT span under the server's
 * resource. A body holds the spans of one agent and the servers it calls, like a batch forwarded by an
 * OpenTelemetry Collector gateway. Sessions start with tools/list (client and server spans, the set
 * fingerprint; the first of each server in a body also carries the definitions), 2% of calls fail with a tool error, a few
 * JSON-RPC errors, some calls report progress events.
 */
import { createHash, randomFillSync } from 'node:crypto';
import protobuf from 'protobufjs/minimal.js';

type Writer = protobuf.Writer;

/** A template body and where its ids and times sit, so copies can be given fresh ones. */
export interface RequestTemplate {
  body: Buffer;
  spans: number;
  /**
   * Byte offsets of id values, grouped by id: every offset of a group receives the same fresh id
   * (a trace id in each span of the call; a span id in its span and as its children's parent id).
   */
  idGroups: { size: 8 | 16; offsets: number[] }[];
  /** Byte offsets of fixed64 nanosecond times (span start/end, event times). */
  timeOffsets: number[];
  /** The nanosecond time the template's times are relative to (they lie in the 10 s before it). */
  baseNanos: bigint;
}

/** How the templates look. Every field has a default that the benchmark uses. */
export interface WorkloadOptions {
  /** Templates to cycle through. Default 12: enough variety that no two consecutive bodies repeat. */
  templates?: number;
  /** Spans per request body (approximately: whole calls only). Default 1000. */
  spansPerRequest?: number;
  /** PRNG seed for the content (ids are fresh at every send anyway). Default 1. */
  seed?: number;
}

// OTLP enums.
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_ERROR = 2;

interface ServerProfile {
  name: string;
  version: string;
  transport: 'stdio' | 'http';
  address?: string;
  port?: number;
  tools: {
    name: string;
    readOnly: boolean;
    medianMs: number;
    downstream?: { method: string; url: string; host: string };
  }[];
}

const SERVERS: ServerProfile[] = [
  {
    name: 'weather',
    version: '1.4.2',
    transport: 'stdio',
    tools: [
      {
        name: 'get_weather',
        readOnly: true,
        medianMs: 35,
        downstream: {
          method: 'GET',
          url: 'https://api.open-meteo.com/v1/forecast',
          host: 'api.open-meteo.com',
        },
      },
      {
        name: 'get_forecast',
        readOnly: true,
        medianMs: 60,
        downstream: {
          method: 'GET',
          url: 'https://api.open-meteo.com/v1/forecast',
          host: 'api.open-meteo.com',
        },
      },
      { name: 'get_alerts', readOnly: true, medianMs: 4 },
    ],
  },
  {
    name: 'github',
    version: '0.9.0',
    transport: 'http',
    address: 'mcp-github.internal',
    port: 8080,
    tools: [
      {
        name: 'search_issues',
        readOnly: true,
        medianMs: 180,
        downstream: { method: 'GET', url: 'https://api.github.com/search/issues', host: 'api.github.com' },
      },
      {
        name: 'create_issue',
        readOnly: false,
        medianMs: 240,
        downstream: {
          method: 'POST',
          url: 'https://api.github.com/repos/acme/app/issues',
          host: 'api.github.com',
        },
      },
      {
        name: 'get_file_contents',
        readOnly: true,
        medianMs: 120,
        downstream: {
          method: 'GET',
          url: 'https://api.github.com/repos/acme/app/contents/README.md',
          host: 'api.github.com',
        },
      },
      {
        name: 'list_pull_requests',
        readOnly: true,
        medianMs: 150,
        downstream: {
          method: 'GET',
          url: 'https://api.github.com/repos/acme/app/pulls',
          host: 'api.github.com',
        },
      },
    ],
  },
  {
    name: 'filesystem',
    version: '2.1.0',
    transport: 'stdio',
    tools: [
      { name: 'read_file', readOnly: true, medianMs: 2 },
      { name: 'write_file', readOnly: false, medianMs: 3 },
      { name: 'list_directory', readOnly: true, medianMs: 1.5 },
      { name: 'search_files', readOnly: true, medianMs: 25 },
    ],
  },
];

/** A server's tool set has one fingerprint everywhere (the SDK hashes the canonical definitions). */
function toolSetFingerprints(server: ServerProfile, tools: object[]): { set: string; tools: string[] } {
  const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  return { set: sha([server.name, server.version, tools]), tools: tools.map(sha) };
}

const AGENTS = ['support-agent', 'coding-agent', 'research-agent', 'ops-agent'];

/** mulberry32: small, fast, good enough for picking workload content reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Attr = [key: string, value: string | number | boolean];

interface SpanSpec {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId?: Buffer;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attr[];
  events?: { timeNs: bigint; name: string; attributes: Attr[] }[];
  status?: { code: number; message: string };
}

interface ResourceGroup {
  attributes: Attr[];
  scope: { name: string; version: string };
  spans: SpanSpec[];
}

function writeAnyValue(w: Writer, value: string | number | boolean): void {
  if (typeof value === 'string') w.uint32((1 << 3) | 2).string(value);
  else if (typeof value === 'boolean') w.uint32((2 << 3) | 0).bool(value);
  else if (Number.isInteger(value)) w.uint32((3 << 3) | 0).int64(value);
  else w.uint32((4 << 3) | 1).double(value);
}

function writeKeyValue(w: Writer, tag: number, [key, value]: Attr): void {
  w.uint32(tag).fork();
  w.uint32((1 << 3) | 2).string(key);
  w.uint32((2 << 3) | 2).fork();
  writeAnyValue(w, value);
  w.ldelim();
  w.ldelim();
}

function writeFixed64(w: Writer, tag: number, ns: bigint): void {
  w.uint32(tag)
    .fixed32(Number(ns & 0xffffffffn))
    .fixed32(Number(ns >> 32n));
}

/** Encodes an ExportTraceServiceRequest (opentelemetry-proto trace/v1, collector/trace/v1). */
function encodeRequest(groups: ResourceGroup[]): Buffer {
  const w = protobuf.Writer.create();
  for (const g of groups) {
    w.uint32((1 << 3) | 2).fork(); // ResourceSpans
    w.uint32((1 << 3) | 2).fork(); // Resource
    for (const a of g.attributes) writeKeyValue(w, (1 << 3) | 2, a);
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // ScopeSpans
    w.uint32((1 << 3) | 2).fork(); // InstrumentationScope
    w.uint32((1 << 3) | 2).string(g.scope.name);
    w.uint32((2 << 3) | 2).string(g.scope.version);
    w.ldelim();
    for (const s of g.spans) {
      w.uint32((2 << 3) | 2).fork(); // Span
      w.uint32((1 << 3) | 2).bytes(s.traceId);
      w.uint32((2 << 3) | 2).bytes(s.spanId);
      if (s.parentSpanId) w.uint32((4 << 3) | 2).bytes(s.parentSpanId);
      w.uint32((5 << 3) | 2).string(s.name);
      w.uint32((6 << 3) | 0).uint32(s.kind);
      writeFixed64(w, (7 << 3) | 1, s.startNs);
      writeFixed64(w, (8 << 3) | 1, s.endNs);
      for (const a of s.attributes) writeKeyValue(w, (9 << 3) | 2, a);
      for (const e of s.events ?? []) {
        w.uint32((11 << 3) | 2).fork();
        writeFixed64(w, (1 << 3) | 1, e.timeNs);
        w.uint32((2 << 3) | 2).string(e.name);
        for (const a of e.attributes) writeKeyValue(w, (3 << 3) | 2, a);
        w.ldelim();
      }
      if (s.status) {
        w.uint32((15 << 3) | 2).fork();
        if (s.status.message) w.uint32((2 << 3) | 2).string(s.status.message);
        w.uint32((3 << 3) | 0).uint32(s.status.code);
        w.ldelim();
      }
      w.uint32((16 << 3) | 5).fixed32(0x101); // flags: sampled, remote-parent known
      w.ldelim();
    }
    w.ldelim();
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

/**
 * Finds the id and time fields of an encoded request: walks ResourceSpans → ScopeSpans → Span (and
 * Span.Event) with protobufjs's `Reader`, recording the byte offsets of trace/span/parent ids and of
 * fixed64 times, then groups the id offsets by value.
 */
function locateSlots(body: Buffer): Pick<RequestTemplate, 'idGroups' | 'timeOffsets'> {
  const r = protobuf.Reader.create(body);
  const groups = new Map<string, { size: 8 | 16; offsets: number[] }>();
  const timeOffsets: number[] = [];
  const addId = (size: 8 | 16, end: number) => {
    const len = r.uint32();
    const at = r.pos;
    if (len !== size || at + len > end) throw new Error(`unexpected id length ${len} at ${at}`);
    r.skip(len);
    const key = body.toString('hex', at, at + len);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { size, offsets: [] }));
    group.offsets.push(at);
  };
  const within = (end: number, onField: (field: number, wire: number, end: number) => boolean) => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (!onField(tag >>> 3, tag & 7, end)) r.skipType(tag & 7);
    }
  };
  const sub = (handler: (end: number) => void) => {
    const len = r.uint32();
    handler(r.pos + len);
  };
  within(body.length, (f, wire) => {
    if (f !== 1 || wire !== 2) return false;
    sub((rsEnd) =>
      within(rsEnd, (f2, w2) => {
        if (f2 !== 2 || w2 !== 2) return false;
        sub((ssEnd) =>
          within(ssEnd, (f3, w3) => {
            if (f3 !== 2 || w3 !== 2) return false;
            sub((spanEnd) =>
              within(spanEnd, (f4, w4, end) => {
                if (f4 === 1 && w4 === 2) addId(16, end);
                else if ((f4 === 2 || f4 === 4) && w4 === 2) addId(8, end);
                else if ((f4 === 7 || f4 === 8) && w4 === 1) {
                  timeOffsets.push(r.pos);
                  r.skip(8);
                } else if (f4 === 11 && w4 === 2) {
                  sub((eventEnd) =>
                    within(eventEnd, (f5, w5) => {
                      if (f5 !== 1 || w5 !== 1) return false;
                      timeOffsets.push(r.pos);
                      r.skip(8);
                      return true;
                    }),
                  );
                } else return false;
                return true;
              }),
            );
            return true;
          }),
        );
        return true;
      }),
    );
    return true;
  });
  return { idGroups: [...groups.values()], timeOffsets };
}

/** Builds `options.templates` request templates of about `options.spansPerRequest` spans each. */
export function buildTemplates(options: WorkloadOptions = {}): RequestTemplate[] {
  const count = options.templates ?? 12;
  const spansPerRequest = options.spansPerRequest ?? 1000;
  const random = prng(options.seed ?? 1);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
    return b;
  };
  const uuid = () => {
    const h = bytes(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  // Log-normal latency around a median, in nanoseconds.
  const latencyNs = (medianMs: number) => {
    const u = random() || 1e-9;
    const v = random();
    const ms = medianMs * Math.exp(0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    return BigInt(Math.max(20_000, Math.round(ms * 1e6)));
  };
  const baseNanos = BigInt(Date.now()) * 1_000_000n;
  const templates: RequestTemplate[] = [];

  for (let t = 0; t < count; t++) {
    const agent = AGENTS[t % AGENTS.length] as string;
    const host = `${agent}-${(t * 7919) % 97}`;
    const sdkAttrs: Attr[] = [
      ['telemetry.sdk.language', 'nodejs'],
      ['telemetry.sdk.name', 'opentelemetry'],
      ['telemetry.sdk.version', '2.12.0'],
      ['process.runtime.name', 'nodejs'],
      ['process.runtime.version', '20.20.2'],
      ['host.arch', 'amd64'],
      ['os.type', 'linux'],
    ];
    const agentGroup: ResourceGroup = {
      attributes: [
        ['service.name', agent],
        ['service.version', '3.2.1'],
        ['service.instance.id', uuid()],
        ['host.name', host],
        ['process.pid', 1000 + Math.floor(random() * 60000)],
        ['deployment.environment.name', 'production'],
        ...sdkAttrs,
      ],
      scope: { name: '@mcpscope/sdk', version: '0.1.0' },
      spans: [],
    };
    const serverGroups = new Map<string, ResourceGroup>();
    const serverGroup = (s: ServerProfile): ResourceGroup => {
      let g = serverGroups.get(s.name);
      if (!g) {
        g = {
          attributes: [
            ['service.name', s.name],
            ['service.version', s.version],
            ['service.instance.id', uuid()],
            ['host.name', s.transport === 'stdio' ? host : (s.address as string)],
            ['process.pid', 1000 + Math.floor(random() * 60000)],
            ['deployment.environment.name', 'production'],
            ...sdkAttrs,
          ],
          scope: { name: '@mcpscope/sdk', version: '0.1.0' },
          spans: [],
        };
        serverGroups.set(s.name, g);
      }
      return g;
    };

    let spans = 0;
    let session = '';
    let requestId = 0;
    const defined = new Set<string>();
    const windowNs = 10_000_000_000n; // the template's calls spread over 10 s
    for (let call = 0; spans < spansPerRequest; call++) {
      const server = SERVERS[Math.floor(random() * SERVERS.length)] as ServerProfile;
      const startNs = baseNanos - windowNs + BigInt(Math.floor(random() * Number(windowNs)));
      const traceId = bytes(16);
      const http = server.transport === 'http';
      const connection: Attr[] = [
        ['mcp.protocol.version', '2025-06-18'],
        ['network.transport', http ? 'tcp' : 'pipe'],
        ['mcpscope.server.name', server.name],
        ['mcpscope.server.version', server.version],
        ['mcpscope.client.name', agent],
        ['mcpscope.client.version', '3.2.1'],
      ];
      if (session === '' || random() < 0.01) {
        session = uuid();
        requestId = 0;
        // A session starts with tools/list: the set fingerprint always, the definitions the first time.
        const clientId = bytes(8);
        const tools = server.tools.map((x) => ({
          name: x.name,
          description: `${x.name.replace(/_/g, ' ')} tool`,
          annotations: { readOnlyHint: x.readOnly },
        }));
        const fingerprints = toolSetFingerprints(server, tools);
        const listAttrs: Attr[] = [
          ['mcp.method.name', 'tools/list'],
          ['jsonrpc.request.id', String(++requestId)],
          ['mcp.session.id', session],
          ...connection,
          ['mcpscope.tools.fingerprint', fingerprints.set],
          ['mcpscope.tools.count', tools.length],
        ];
        if (!defined.has(server.name)) {
          listAttrs.push([
            'mcpscope.tools.definitions',
            JSON.stringify(
              tools.map((d, i) => ({ name: d.name, fingerprint: fingerprints.tools[i], definition: d })),
            ),
          ]);
          defined.add(server.name);
        }
        agentGroup.spans.push({
          traceId,
          spanId: clientId,
          name: 'tools/list',
          kind: KIND_CLIENT,
          startNs,
          endNs: startNs + 1_200_000n,
          attributes: [...listAttrs, ['mcpscope.layer', 'client']],
        });
        serverGroup(server).spans.push({
          traceId,
          spanId: bytes(8),
          parentSpanId: clientId,
          name: 'tools/list',
          kind: KIND_SERVER,
          startNs: startNs + 200_000n,
          endNs: startNs + 900_000n,
          attributes: [
            ['mcp.method.name', 'tools/list'],
            ['jsonrpc.request.id', String(requestId)],
            ['mcp.session.id', session],
            ...connection,
            ['mcpscope.layer', 'server'],
          ],
        });
        spans += 2;
        continue;
      }

      const tool = server.tools[Math.floor(random() * server.tools.length)] as ServerProfile['tools'][number];
      const handlerNs = latencyNs(tool.medianMs);
      const rid = String(++requestId);
      const roll = random();
      const failure =
        roll < 0.02
          ? { type: 'tool_error', fault: 'tool', message: 'upstream returned 502 Bad Gateway' }
          : roll < 0.025
            ? { type: '-32602', fault: 'caller', message: 'Invalid params: "city" is required' }
            : roll < 0.027
              ? { type: 'timeout', fault: 'server', message: 'Request timed out after 60000 ms' }
              : undefined;
      const request: Attr[] = [
        ['mcp.method.name', 'tools/call'],
        ['gen_ai.operation.name', 'execute_tool'],
        ['gen_ai.tool.name', tool.name],
        ['jsonrpc.request.id', rid],
        ['mcp.session.id', session],
      ];
      const errorAttrs: Attr[] = failure
        ? [
            ['error.type', failure.type],
            ...(failure.type.startsWith('-') ? ([['rpc.response.status_code', failure.type]] as Attr[]) : []),
          ]
        : [];
      const clientId = bytes(8);
      const transportId = bytes(8);
      const serverId = bytes(8);
      const transportNs = 300_000n + BigInt(Math.floor(random() * 400_000));
      agentGroup.spans.push({
        traceId,
        spanId: clientId,
        name: `tools/call ${tool.name}`,
        kind: KIND_CLIENT,
        startNs,
        endNs: startNs + handlerNs + transportNs + 100_000n,
        attributes: [
          ...request,
          ...connection,
          ...(http
            ? ([
                ['server.address', server.address as string],
                ['server.port', server.port as number],
              ] as Attr[])
            : []),
          ['mcpscope.layer', 'client'],
          ['mcpscope.tool.annotations.readOnlyHint', tool.readOnly],
          ['mcpscope.tool.annotations.destructiveHint', !tool.readOnly],
          ...errorAttrs,
          ...(failure && failure.fault !== 'caller' ? ([['mcpscope.fault', failure.fault]] as Attr[]) : []),
        ],
        status: failure ? { code: STATUS_ERROR, message: failure.message } : undefined,
      });
      agentGroup.spans.push({
        traceId,
        spanId: transportId,
        parentSpanId: clientId,
        name: `${http ? 'POST' : 'stdio'} tools/call`,
        kind: KIND_INTERNAL,
        startNs: startNs + 50_000n,
        endNs: startNs + handlerNs + transportNs,
        attributes: [
          ['mcp.method.name', 'tools/call'],
          ['jsonrpc.request.id', rid],
          ['mcpscope.layer', 'transport'],
          ['mcpscope.transport.kind', http ? 'streamable-http' : 'stdio'],
          ['mcpscope.server.name', server.name],
          ['network.transport', http ? 'tcp' : 'pipe'],
          ['mcpscope.transport.request_bytes', 120 + Math.floor(random() * 200)],
          ['mcpscope.transport.response_bytes', 200 + Math.floor(random() * 3000)],
          ...(http
            ? ([
                ['http.response.status_code', 200],
                ['mcp.session.id', session],
              ] as Attr[])
            : []),
        ],
      });
      const serverStart = startNs + transportNs / 2n;
      const progress = random() < 0.05;
      serverGroup(server).spans.push({
        traceId,
        spanId: serverId,
        parentSpanId: transportId,
        name: `tools/call ${tool.name}`,
        kind: KIND_SERVER,
        startNs: serverStart,
        endNs: serverStart + handlerNs,
        attributes: [
          ...request,
          ...connection,
          ...(http
            ? ([
                ['client.address', '10.0.3.17'],
                ['client.port', 40000 + Math.floor(random() * 20000)],
              ] as Attr[])
            : []),
          ['mcpscope.layer', 'server'],
          ...errorAttrs,
          ...(failure ? ([['mcpscope.fault', failure.fault]] as Attr[]) : []),
        ],
        events: progress
          ? [1, 2, 3].map((i) => ({
              timeNs: serverStart + (handlerNs * BigInt(i)) / 4n,
              name: 'mcp.progress',
              attributes: [
                ['mcp.progress.value', i * 25],
                ['mcp.progress.total', 100],
                ['mcp.direction', 'sent'],
              ] as Attr[],
            }))
          : undefined,
        status:
          failure && failure.fault !== 'caller'
            ? { code: STATUS_ERROR, message: failure.message }
            : undefined,
      });
      spans += 3;
      if (tool.downstream) {
        const d = tool.downstream;
        const downStart = serverStart + handlerNs / 10n;
        const status = failure?.fault === 'tool' ? 502 : 200;
        serverGroup(server).spans.push({
          traceId,
          spanId: bytes(8),
          parentSpanId: serverId,
          name: d.method,
          kind: KIND_CLIENT,
          startNs: downStart,
          endNs: downStart + (handlerNs * 8n) / 10n,
          attributes: [
            ['http.request.method', d.method],
            ['url.full', d.url],
            ['server.address', d.host],
            ['server.port', 443],
            ['network.protocol.version', '1.1'],
            ['http.response.status_code', status],
            ...(status >= 500 ? ([['error.type', String(status)]] as Attr[]) : []),
          ],
          status: status >= 500 ? { code: STATUS_ERROR, message: '' } : undefined,
        });
        spans++;
      }
    }
    const groups = [agentGroup, ...serverGroups.values()];
    // The downstream spans come from another instrumentation scope in a real server process; one
    // scope per resource keeps the template simple without changing what is stored per span.
    const body = encodeRequest(groups);
    templates.push({ body, spans, baseNanos, ...locateSlots(body) });
  }
  return templates;
}

const RANDOM_POOL_BYTES = 64 * 1024;

/**
 * Produces request bodies from templates: a copy of the next template with fresh random ids (the
 * same fresh id at every offset of an id group, so parent links and traces stay intact) and its times
 * moved so that the newest span ends now.
 */
export class RequestPatcher {
  private next = 0;
  private pool = Buffer.alloc(0);
  private poolPos = 0;

  constructor(private readonly templates: readonly RequestTemplate[]) {
    if (templates.length === 0) throw new Error('no templates');
  }

  /** A fresh body and its span count. */
  nextBody(nowNanos = BigInt(Date.now()) * 1_000_000n): { body: Buffer; spans: number } {
    const t = this.templates[this.next++ % this.templates.length] as RequestTemplate;
    const body = Buffer.allocUnsafe(t.body.length);
    t.body.copy(body);
    for (const g of t.idGroups) {
      const id = this.randomBytes(g.size);
      for (const at of g.offsets) id.copy(body, at);
    }
    const shift = nowNanos - t.baseNanos;
    const shiftLow = Number(shift & 0xffffffffn);
    const shiftHigh = Number(shift >> 32n);
    for (const at of t.timeOffsets) {
      const low = body.readUInt32LE(at) + shiftLow;
      const carry = low >= 4294967296 ? 1 : 0;
      body.writeUInt32LE(low >>> 0, at);
      body.writeUInt32LE((body.readUInt32LE(at + 4) + shiftHigh + carry) >>> 0, at + 4);
    }
    return { body, spans: t.spans };
  }

  private randomBytes(n: number): Buffer {
    if (this.poolPos + n > this.pool.length) {
      this.pool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
      // Node's CSPRNG is fast enough (hundreds of MB/s) that ids need no weaker generator.
      randomFillSync(this.pool);
      this.poolPos = 0;
    }
    const out = this.pool.subarray(this.poolPos, this.poolPos + n);
    this.poolPos += n;
    return out;
  }
}
