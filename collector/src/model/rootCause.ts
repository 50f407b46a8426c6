/**
 * The trace-level verdict: for each failed MCP call in a trace, the one layer that failed.
 *
 * Each process records only its own view of a call (`mcpscope.fault` on its spans): the client knows
 * what the caller saw, the server what its handler did, a proxy what passed through it. The collector
 * alone holds every span of the trace, so it decides here, once, from all of them: SDK client, transport
 * and server spans, proxy spans, other instrumentations' MCP spans, and the handler's own spans beneath
 * the server span (HTTP, database: the "downstream" layer). The rules are listed in {@link RULES} and
 * each has a row in the table-driven test beside this file.
 *
 * Pure: no I/O, no imports from receiver/, storage/ or api/. The read API runs it on a trace it has
 * loaded; storage runs it after ingest to keep the per-call verdicts the list views aggregate.
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SOURCE,
  CALLER_FAULT_CODES,
  ERROR_TYPE_CANCELLED,
  ERROR_TYPE_TIMEOUT,
  ERROR_TYPE_TOOL_ERROR,
  FAULT_LAYERS,
  type FaultLayer,
} from '@mcpscope/sdk/semconv';
import { toolErrorTextOutcome } from '@mcpscope/sdk/outcome';

/** What the verdict reads of a span; the API's `SpanView` extends it. */
export interface VerdictSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  /** 'Client' | 'Server' | 'Internal' | … */
  kind: string;
  service: string;
  startTimeUnixNano: string;
  durationNs: string;
  /** 'Unset' | 'Ok' | 'Error' */
  statusCode: string;
  statusMessage: string;
  attributes: Record<string, string>;
}

/** The verdict on one failed MCP call. */
export interface RootCause {
  /** The layer that failed. */
  layer: FaultLayer;
  /** The span that explains the failure (a downstream span, or the call's span that decided it). */
  spanId: string;
  /** `error.type` of that span: a JSON-RPC code, `tool_error`, `timeout`, an HTTP status, … */
  errorType: string;
  /** What went wrong, in the words of the spans (for a downstream span: `GET inventory → 503`). */
  message: string;
  /** Which rule decided (one of {@link RULES}' keys): for the reader who asks "why this layer?". */
  rule: RuleName;
  /** The failed call: its outermost span (the client's, when the client is instrumented). */
  call: {
    spanId: string;
    method: string;
    /** Tool or prompt name, '' for other methods. */
    tool: string;
    /** MCP server name ('' when no span names it). */
    server: string;
    /** Service of the outermost span: the caller's, when the client is instrumented. */
    service: string;
    /** Services of all the call's spans (the caller's, a proxy's, the server's), sorted. */
    services: string[];
    startTimeUnixNano: string;
    /** `mcpscope.layer` of the spans the call has (client, transport, server), sorted. */
    layers: string[];
  };
}

/** The rules, in the order they are applied; each names what it decides. */
export const RULES = {
  downstream:
    'A call whose tool or server failed, with a failed CLIENT or PRODUCER span beneath it that is not ' +
    'part of the call (HTTP, database, queue, a nested MCP call): the deepest such span is the cause.',
  receiver_cancel:
    'A cancel or timeout recorded on the receiving side (server, proxy) is a consequence of the outer ' +
    "side's failure and never overrides it: a server cancelled by the client's timeout leaves the " +
    "timeout's verdict standing.",
  deepest:
    'Otherwise the innermost failed span of the call decides (server over proxy over transport over ' +
    'client): it saw the most of what happened.',
  protocol_error_text:
    'A tool result with isError whose text is an MCP protocol error ("MCP error -32602: …", how ' +
    "McpServer reports invalid arguments and unknown tools) is the caller's fault for caller codes.",
  derived:
    'A span from another instrumentation that carries no mcpscope.fault: the layer follows from its ' +
    'error.type and side.',
} as const;
export type RuleName = keyof typeof RULES;

// Position of a span in a call, outermost first. A call's spans nest in this order: the client span,
// its transport span, a proxy's span, the server's span.
const POS_CLIENT = 0;
const POS_TRANSPORT = 1;
const POS_PROXY = 2;
const POS_SERVER = 3;

/** gRPC status of a downstream gRPC CLIENT span (OpenTelemetry RPC conventions). */
const ATTR_RPC_GRPC_STATUS_CODE = 'rpc.grpc.status_code';

/**
 * Every span attribute the verdict reads: storage loads only these of a trace's spans when it decides
 * after ingest (a Map column is read whole per row; filtering it keeps the transfer small).
 */
export const VERDICT_ATTRIBUTES: readonly string[] = [
  ATTR_MCP_METHOD_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SOURCE,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_RPC_GRPC_STATUS_CODE,
];

const FAULT_LAYER_SET: ReadonlySet<string> = new Set(FAULT_LAYERS);
const CALLER_CODES: ReadonlySet<string> = new Set([...CALLER_FAULT_CODES].map(String));

interface Node {
  span: VerdictSpan;
  parent: Node | undefined;
  children: Node[];
  depth: number;
  /** Set on MCP spans: the call they belong to. */
  call?: Call;
  pos: number;
}

interface Call {
  nodes: Node[];
}

interface SpanVerdict {
  layer: FaultLayer;
  errorType: string;
  rule: RuleName;
}

/** Whether a span records a failure: ERROR status, an `error.type` or a fault. */
export function hasFailureSignal(statusCode: string, attributes: Record<string, string>): boolean {
  return (
    statusCode === 'Error' ||
    (attributes[ATTR_ERROR_TYPE] ?? '') !== '' ||
    (attributes[ATTR_MCPSCOPE_FAULT] ?? '') !== ''
  );
}

/**
 * One verdict per failed MCP call of the trace, in call start order (empty when nothing failed).
 * Spans of the trace may be missing (not arrived yet, or a side not instrumented): the verdict is the
 * best the present spans support, and is decided anew when more arrive.
 */
export function decideRootCauses(spans: readonly VerdictSpan[]): RootCause[] {
  const nodes = buildTree(spans);
  const calls = groupCalls(nodes);
  const verdicts: RootCause[] = [];
  for (const call of calls) {
    const verdict = decideCall(call);
    if (verdict) verdicts.push(verdict);
  }
  return verdicts.sort(
    (a, b) =>
      compareNs(a.call.startTimeUnixNano, b.call.startTimeUnixNano) ||
      a.call.spanId.localeCompare(b.call.spanId),
  );
}

function buildTree(spans: readonly VerdictSpan[]): Node[] {
  const byId = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const span of spans) {
    if (byId.has(span.spanId)) continue; // a span stored twice is one span
    const node: Node = { span, parent: undefined, children: [], depth: 0, pos: position(span) };
    byId.set(span.spanId, node);
    nodes.push(node);
  }
  for (const node of nodes) {
    const parent = node.span.parentSpanId !== '' ? byId.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
    }
  }
  // Depths without recursion (input depth is the sender's to choose); a parent cycle, which only a
  // broken sender can make, is cut where it closes.
  for (const node of nodes) {
    const chain: Node[] = [];
    const onChain = new Set<Node>();
    let cur: Node | undefined = node;
    while (cur && cur.depth === 0 && cur.parent && !onChain.has(cur)) {
      chain.push(cur);
      onChain.add(cur);
      cur = cur.parent;
    }
    if (cur && onChain.has(cur)) {
      // The walk came back to itself: cut the link that closes the cycle, so every walk ends.
      const last = chain[chain.length - 1]!;
      const parent = last.parent!;
      parent.children.splice(parent.children.indexOf(last), 1);
      last.parent = undefined;
      cur = undefined;
    }
    let depth = cur ? cur.depth : 0;
    for (let i = chain.length - 1; i >= 0; i--)
      chain[i]!.depth = depth === 0 && !chain[i]!.parent ? 0 : ++depth;
  }
  return nodes.sort(
    (a, b) => a.depth - b.depth || compareNs(a.span.startTimeUnixNano, b.span.startTimeUnixNano),
  );
}

function isMcp(span: VerdictSpan): boolean {
  return (span.attributes[ATTR_MCP_METHOD_NAME] ?? '') !== '';
}

function position(span: VerdictSpan): number {
  const a = span.attributes;
  switch (a[ATTR_MCPSCOPE_LAYER]) {
    case 'client':
      return POS_CLIENT;
    case 'transport':
      return POS_TRANSPORT;
    case 'server':
      return a[ATTR_MCPSCOPE_SOURCE] === 'proxy' ? POS_PROXY : POS_SERVER;
  }
  // Another instrumentation: its side follows the span kind.
  if (span.kind === 'Client') return POS_CLIENT;
  if (span.kind === 'Server') return POS_SERVER;
  return POS_TRANSPORT;
}

/** A transport span names only the method: its empty target matches the call's. */
function sameTarget(a: string, b: string): boolean {
  return a === b || a === '' || b === '';
}

function target(span: VerdictSpan): string {
  const a = span.attributes;
  return a[ATTR_GEN_AI_TOOL_NAME] || a[ATTR_GEN_AI_PROMPT_NAME] || a[ATTR_MCP_RESOURCE_URI] || '';
}

/**
 * Joins the MCP spans of one request into a call: an MCP span belongs to the call of its nearest MCP
 * ancestor when that ancestor is the same request seen further out (same method and target, an outer
 * position). Anything else starts a call: an MCP request made inside a tool handler is a call of its
 * own (nested beneath the first one, whose downstream it is).
 */
function groupCalls(nodes: readonly Node[]): Call[] {
  const calls: Call[] = [];
  // `nodes` is sorted by depth, so an ancestor's call is known before its descendants are visited.
  for (const node of nodes) {
    if (!isMcp(node.span)) continue;
    let anc = node.parent;
    while (anc && !isMcp(anc.span)) anc = anc.parent;
    const outer = anc?.call;
    if (
      anc &&
      outer &&
      anc.pos < node.pos &&
      anc.span.attributes[ATTR_MCP_METHOD_NAME] === node.span.attributes[ATTR_MCP_METHOD_NAME] &&
      sameTarget(target(anc.span), target(node.span))
    ) {
      node.call = outer;
      outer.nodes.push(node);
    } else {
      const call: Call = { nodes: [node] };
      node.call = call;
      calls.push(call);
    }
  }
  return calls;
}

function failed(node: Node): boolean {
  return hasFailureSignal(node.span.statusCode, node.span.attributes);
}

function decideCall(call: Call): RootCause | undefined {
  const nodes = [...call.nodes].sort((a, b) => a.pos - b.pos || a.depth - b.depth);
  const failing = nodes.filter(failed);
  if (failing.length === 0) return undefined;

  // receiver_cancel: drop receiving-side cancels and timeouts that an outer failure explains.
  let receiverCancelDropped = false;
  const explaining = failing.filter((n) => {
    if (n.pos < POS_PROXY) return true;
    const type = n.span.attributes[ATTR_ERROR_TYPE];
    if (type !== ERROR_TYPE_CANCELLED && type !== ERROR_TYPE_TIMEOUT) return true;
    const outerFailure = failing.some((o) => o.pos < n.pos);
    if (outerFailure) receiverCancelDropped = true;
    return !outerFailure;
  });

  // deepest: the innermost failed span of the call decides. A span that only copies the call's
  // error.type (the client's transport span does, for failures it did not decide) yields to one that
  // decided: with a fault of its own or an ERROR status.
  const decisive = explaining.filter(
    (n) => n.span.statusCode === 'Error' || (n.span.attributes[ATTR_MCPSCOPE_FAULT] ?? '') !== '',
  );
  const decider = (decisive.length > 0 ? decisive : explaining)[
    (decisive.length > 0 ? decisive : explaining).length - 1
  ]!;
  const own = spanVerdict(decider);
  const innermost = nodes[nodes.length - 1]!;
  const base = describeCall(nodes);

  if (own.layer === 'tool' || own.layer === 'server' || own.layer === 'downstream') {
    const below = failedDescendant(innermost, call);
    if (below) {
      return {
        layer: 'downstream',
        spanId: below.span.spanId,
        errorType: downstreamErrorType(below.span),
        message: downstreamMessage(below.span),
        rule: 'downstream',
        call: base,
      };
    }
  }
  if (own.layer === 'downstream') {
    // The server's SDK saw a failed child span that has not reached us (or was not exported).
    const child = decider.span.attributes[ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID] ?? '';
    return {
      layer: 'downstream',
      spanId: child || decider.span.spanId,
      errorType: own.errorType,
      message: callMessage(decider, nodes, own.errorType),
      rule: 'downstream',
      call: base,
    };
  }
  const rule: RuleName =
    own.rule !== 'deepest' ? own.rule : receiverCancelDropped ? 'receiver_cancel' : 'deepest';
  return {
    layer: own.layer,
    spanId: decider.span.spanId,
    errorType: own.errorType,
    message: callMessage(decider, nodes, own.errorType),
    rule,
    call: base,
  };
}

/** A span's own view of its failure: its `mcpscope.fault`, else what its error type implies. */
function spanVerdict(node: Node): SpanVerdict {
  const a = node.span.attributes;
  const errorType = a[ATTR_ERROR_TYPE] ?? '';
  const fault = a[ATTR_MCPSCOPE_FAULT] ?? '';
  if (errorType === ERROR_TYPE_TOOL_ERROR && (fault === '' || fault === 'tool') && node.span.statusMessage) {
    // Spans from an SDK that predates the rule, or from another instrumentation, still say tool_error
    // for McpServer's wrapped protocol errors ("MCP error -32602: …"): the SDK's own rule reads the text.
    const fromText = toolErrorTextOutcome(node.span.statusMessage);
    if (fromText.errorType !== ERROR_TYPE_TOOL_ERROR) {
      return { layer: fromText.fault, errorType: fromText.errorType, rule: 'protocol_error_text' };
    }
  }
  if (FAULT_LAYER_SET.has(fault)) {
    return { layer: fault as FaultLayer, errorType: errorType || 'error', rule: 'deepest' };
  }
  return { layer: derivedLayer(node, errorType), errorType: errorType || 'error', rule: 'derived' };
}

function derivedLayer(node: Node, errorType: string): FaultLayer {
  if (CALLER_CODES.has(errorType) || errorType === ERROR_TYPE_CANCELLED) return 'caller';
  if (errorType === ERROR_TYPE_TOOL_ERROR) return 'tool';
  if (errorType === ERROR_TYPE_TIMEOUT || /^-?\d+$/.test(errorType)) return 'server';
  if (errorType.startsWith('http_') || errorType === 'connection_closed' || errorType === 'transport_error')
    return 'transport';
  // An error without a type: the side that recorded it failed, as far as anyone can tell.
  return node.pos === POS_CLIENT ? 'client' : node.pos === POS_TRANSPORT ? 'transport' : 'server';
}

/**
 * The deepest failed span beneath `root` that is not a span of `call` (ties: the one that ended last,
 * the closest to the failure the tool reported). Iterative: the sender decides how deep a trace goes.
 */
function failedDescendant(root: Node, call: Call): Node | undefined {
  let best: Node | undefined;
  const stack = [...root.children];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of node.children) stack.push(child);
    if (node.call === call || !failed(node)) continue;
    // Downstream is a call out of the process (HTTP, database, queue, another MCP server); a failed
    // INTERNAL span is the tool's own code, which the tool's verdict already names.
    if (node.span.kind !== 'Client' && node.span.kind !== 'Producer') continue;
    // A nested MCP call that was cancelled by the caller, or refused as the caller's fault, is the
    // tool's own doing, not a downstream failure.
    if (node.call && node.span.attributes[ATTR_MCPSCOPE_FAULT] === 'caller') continue;
    if (
      !best ||
      node.depth > best.depth ||
      (node.depth === best.depth && compareNs(endNs(node.span), endNs(best.span)) > 0)
    ) {
      best = node;
    }
  }
  return best;
}

function downstreamErrorType(span: VerdictSpan): string {
  const a = span.attributes;
  return a[ATTR_ERROR_TYPE] || a[ATTR_HTTP_RESPONSE_STATUS_CODE] || a[ATTR_RPC_GRPC_STATUS_CODE] || 'error';
}

/** "GET inventory → 503": the span's name and what it ended with. */
function downstreamMessage(span: VerdictSpan): string {
  const a = span.attributes;
  const status = a[ATTR_HTTP_RESPONSE_STATUS_CODE] || span.statusMessage || a[ATTR_ERROR_TYPE] || 'error';
  return `${span.name} → ${status}`;
}

/**
 * The deciding span's status message; a server that refused bad params records none (its span is not
 * an error), so the next one inward-out that has a message says what the caller saw.
 */
function callMessage(decider: Node, nodes: readonly Node[], errorType: string): string {
  if (decider.span.statusMessage !== '') return decider.span.statusMessage;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const m = nodes[i]!.span.statusMessage;
    if (m !== '') return m;
  }
  return errorType;
}

function describeCall(nodes: readonly Node[]): RootCause['call'] {
  const outer = nodes[0]!;
  let tool = '';
  let server = '';
  for (const n of nodes) {
    const a = n.span.attributes;
    tool ||= a[ATTR_GEN_AI_TOOL_NAME] || a[ATTR_GEN_AI_PROMPT_NAME] || '';
    server ||= a[ATTR_MCPSCOPE_SERVER_NAME] ?? '';
  }
  // A server running another SDK does not name itself: its own SERVER span's service does (as the
  // McpServer column of the span table).
  if (server === '') server = nodes.find((n) => n.span.kind === 'Server')?.span.service ?? '';
  const layers = [...new Set(nodes.map((n) => n.span.attributes[ATTR_MCPSCOPE_LAYER] ?? ''))].sort();
  return {
    spanId: outer.span.spanId,
    method: outer.span.attributes[ATTR_MCP_METHOD_NAME] ?? '',
    tool,
    server,
    service: outer.span.service,
    services: [...new Set(nodes.map((n) => n.span.service))].sort(),
    startTimeUnixNano: outer.span.startTimeUnixNano,
    layers,
  };
}

function endNs(span: VerdictSpan): bigint {
  return toBigInt(span.startTimeUnixNano) + toBigInt(span.durationNs);
}

function toBigInt(s: string): bigint {
  try {
    return BigInt(s);
  } catch {
    return 0n;
  }
}

function compareNs(a: string | bigint, b: string | bigint): number {
  const x = typeof a === 'bigint' ? a : toBigInt(a);
  const y = typeof b === 'bigint' ? b : toBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
