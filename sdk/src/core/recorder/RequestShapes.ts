import { SpanKind, type Attributes, type SpanOptions } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_NETWORK_TRANSPORT,
  spanName,
} from '../../semconv.js';

/**
 * What every request with the same method and target (tool or prompt name) has in common, computed on
 * its first call and reused: span names, the `startSpan` options with the attributes a sampler can use
 * (`mcp.method.name` and the target name; the others are set once the span is known to record, which
 * the SDK processes in one pass instead of three) and the attribute objects of the duration
 * histograms. Reusing them keeps string building and object allocation off the per-call path.
 */
export interface RequestShape {
  readonly method: string;
  readonly target: string | undefined;
  /** `{mcp.method.name} {target}`. */
  readonly spanName: string;
  /** `mcp.method.name` and `gen_ai.tool.name` / `gen_ai.prompt.name`; never mutated. */
  readonly startAttributes: Attributes;
  /** `startSpan` options of the CLIENT span of a request this process sends; never mutated. */
  readonly clientSpanOptions: SpanOptions;
  /** `startSpan` options of the SERVER span of a request this process receives; never mutated. */
  readonly serverSpanOptions: SpanOptions;
  /** `{transport kind} {mcp.method.name}`: the transport span's name. */
  readonly transportSpanName: string;
  /** `startSpan` options of the transport span; never mutated. */
  readonly transportSpanOptions: SpanOptions;
  /** Histogram attributes of a call without error; never mutated. */
  readonly metricAttributes: Attributes;
  /** Histogram attributes by `error.type`, filled on demand; never mutated. */
  readonly failedMetricAttributes: Map<string, Attributes>;
  /** A `tasks/*` method: its `params.taskId` names the task (see TaskMemory.ts). */
  readonly taskMethod: boolean;
}

/**
 * Request shapes by method and target, for one transport kind and network transport (transport span
 * names and histograms carry them, so a new cache is made when they change).
 *
 * Bounded: targets come from the peer (a client can call any tool name), so past `maxEntries` shapes
 * are computed per call instead of stored; the same goes for error types per shape.
 */
export class RequestShapes {
  private readonly byMethod = new Map<string, Map<string | undefined, RequestShape>>();
  private entries = 0;

  constructor(
    readonly transportKind: string,
    readonly networkTransport: string | undefined,
    private readonly maxEntries = 1024,
  ) {}

  get(method: string, target: string | undefined): RequestShape {
    let byTarget = this.byMethod.get(method);
    const cached = byTarget?.get(target);
    if (cached) return cached;
    const shape = this.create(method, target);
    if (this.entries < this.maxEntries) {
      if (!byTarget) {
        byTarget = new Map();
        this.byMethod.set(method, byTarget);
      }
      byTarget.set(target, shape);
      this.entries++;
    }
    return shape;
  }

  private create(method: string, target: string | undefined): RequestShape {
    const startAttributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
    if (target !== undefined)
      startAttributes[method === 'tools/call' ? ATTR_GEN_AI_TOOL_NAME : ATTR_GEN_AI_PROMPT_NAME] = target;
    const metricAttributes: Attributes = { ...startAttributes };
    if (this.networkTransport !== undefined) metricAttributes[ATTR_NETWORK_TRANSPORT] = this.networkTransport;
    return {
      method,
      target,
      spanName: spanName(method, target),
      startAttributes,
      clientSpanOptions: { kind: SpanKind.CLIENT, attributes: startAttributes },
      serverSpanOptions: { kind: SpanKind.SERVER, attributes: startAttributes },
      transportSpanName: `${this.transportKind} ${method}`,
      // The transport span names the tool too, so per-tool views can split a call's time by layer.
      transportSpanOptions: { kind: SpanKind.INTERNAL, attributes: startAttributes },
      metricAttributes,
      failedMetricAttributes: new Map(),
      taskMethod: method.startsWith('tasks/'),
    };
  }
}

/** The histogram attributes of a call of `shape` that ended with `errorType` (or none). */
export function metricAttributesOf(shape: RequestShape, errorType: string | undefined): Attributes {
  if (errorType === undefined) return shape.metricAttributes;
  const cached = shape.failedMetricAttributes.get(errorType);
  if (cached) return cached;
  const attributes: Attributes = { ...shape.metricAttributes, [ATTR_ERROR_TYPE]: errorType };
  // error.type values are few (JSON-RPC codes, a handful of names); the bound only guards memory.
  if (shape.failedMetricAttributes.size < 64) shape.failedMetricAttributes.set(errorType, attributes);
  return attributes;
}
