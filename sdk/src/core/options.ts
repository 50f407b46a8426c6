import {
  metrics,
  trace,
  type Meter,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { PinFile } from '../pins/pinFile.js';
import { DEFAULT_MAX_CAPTURE_BYTES, type CaptureSettings } from './content/capture.js';
import type { RedactHook } from './content/redact.js';
import { McpMetrics } from './metrics/McpMetrics.js';
import type { OnDrift } from './pins/PinPolicy.js';

/** Options of {@link instrumentClient} and {@link instrumentServer}. */
export interface InstrumentationOptions {
  /**
   * Where spans go. Defaults to the global provider (`trace.getTracerProvider()`), so the
   * instrumentation never installs global state itself.
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the duration histograms go. Defaults to the global provider; with neither a global nor an
   * explicit provider the histograms are no-ops.
   */
  meterProvider?: MeterProvider;
  /**
   * Record tool-call arguments and results (`gen_ai.tool.call.arguments` / `.result`) and prompt
   * arguments. Defaults to false: payloads can hold personal data and secrets, so capture is opt-in.
   */
  captureContent?: boolean;
  /**
   * Called for every captured primitive value after the built-in redaction (credential-like keys and
   * values); return the value to record. Defaults to none.
   */
  redact?: RedactHook;
  /**
   * Maximum UTF-8 bytes of one captured payload; longer ones are truncated and the original size is
   * recorded in `<attribute>.original_size`. Defaults to 8 KiB.
   */
  maxCaptureBytes?: number;
  /**
   * Measure `mcpscope.transport.request_bytes` / `response_bytes` on in-memory transports too. Defaults
   * to false: an in-memory transport never serializes, so measuring would add a JSON.stringify per
   * message to the hot path. Stdio and HTTP transports are always measured.
   */
  measureInMemoryBytes?: boolean;
  /**
   * `instrumentClient` only (`instrumentServer` ignores it): the approved tool definitions of the server
   * the client talks to — a pin file from `mcpscope pin --out`, loaded with `loadPins(path | url)` or
   * `readPinFile(path)` of `@mcpscope/sdk/pins`. Every tools/list and tools/call span then carries
   * `mcpscope.pin.status`, and `onDrift` says what happens to tools that do not match. Defaults to none:
   * nothing is checked, nothing changes. A value that is not a pin file is reported through `diag` and
   * approves no tool (fails closed).
   */
  pins?: PinFile;
  /**
   * With `pins`: `block` withholds the tools whose definitions do not match their pins (changed or new) —
   * they leave every tools/list result, and a call to one rejects with an MCP error -32602 naming it
   * without reaching the server — while `warn` changes nothing and only records the drift on the spans.
   * Defaults to `block`, as `mcpscope proxy --pins`: pins are given to be enforced.
   */
  onDrift?: OnDrift;
}

/** {@link InstrumentationOptions} with defaults applied and providers resolved to a tracer and meters. */
export interface ResolvedOptions {
  tracer: Tracer;
  metrics: McpMetrics;
  capture: CaptureSettings | undefined;
  measureInMemoryBytes: boolean;
}

const TRACER_NAME = '@mcpscope/sdk';
const TRACER_VERSION = '0.1.0';

// Instruments are created once per provider: stateless Streamable HTTP instruments a new server per
// request, and creating tracers and histograms each time would be wasted work.
const tracers = new WeakMap<TracerProvider, Tracer>();
const meters = new WeakMap<MeterProvider, McpMetrics>();

export function resolveOptions(options: InstrumentationOptions | undefined): ResolvedOptions {
  const tracerProvider = options?.tracerProvider ?? trace.getTracerProvider();
  let tracer = tracers.get(tracerProvider);
  if (!tracer) {
    tracer = tracerProvider.getTracer(TRACER_NAME, TRACER_VERSION);
    tracers.set(tracerProvider, tracer);
  }
  const meterProvider = options?.meterProvider ?? metrics.getMeterProvider();
  let mcpMetrics = meters.get(meterProvider);
  if (!mcpMetrics) {
    const meter: Meter = meterProvider.getMeter(TRACER_NAME, TRACER_VERSION);
    mcpMetrics = new McpMetrics(meter);
    meters.set(meterProvider, mcpMetrics);
  }
  const capture: CaptureSettings | undefined = options?.captureContent
    ? { maxBytes: options.maxCaptureBytes ?? DEFAULT_MAX_CAPTURE_BYTES, redact: options.redact }
    : undefined;
  return {
    tracer,
    metrics: mcpMetrics,
    capture,
    measureInMemoryBytes: options?.measureInMemoryBytes ?? false,
  };
}
