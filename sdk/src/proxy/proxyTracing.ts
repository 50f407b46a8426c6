import type { Tracer } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

/** Service name when neither `--service-name` nor `OTEL_SERVICE_NAME` is given. */
export const DEFAULT_PROXY_SERVICE_NAME = 'mcpscope-proxy';
const SCOPE_NAME = '@mcpscope/sdk/proxy';

/** Options of {@link createProxyTracing}. */
export interface ProxyTracingOptions {
  /**
   * `service.name` of the proxy's spans. Defaults to `OTEL_SERVICE_NAME`, then `mcpscope-proxy`: the
   * proxy is a process of its own, so it reports under its own name unless told otherwise.
   */
  serviceName?: string;
  /**
   * OTLP encoding. Defaults to protobuf; JSON when `MCPSCOPE_PROXY_EXPORTER=json` or
   * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL` is `http/json`.
   */
  encoding?: 'protobuf' | 'json';
  /** Environment to read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The proxy's own tracing pipeline. */
export interface ProxyTracing {
  tracer: Tracer;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * OTLP/HTTP tracing for the proxy process: a BasicTracerProvider with a BatchSpanProcessor, exporting to
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter's default: http://localhost:4318, the collector). It
 * installs nothing globally, so embedding the proxy in another program leaves that program's
 * OpenTelemetry setup alone.
 */
export async function createProxyTracing(options: ProxyTracingOptions = {}): Promise<ProxyTracing> {
  const env = options.env ?? process.env;
  const serviceName = options.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']) ?? DEFAULT_PROXY_SERVICE_NAME;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': serviceName }));
  const exporter = await createExporter(options.encoding ?? encodingFromEnv(env));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  return {
    tracer: provider.getTracer(SCOPE_NAME),
    shutdown: () => provider.shutdown(),
  };
}

function encodingFromEnv(env: NodeJS.ProcessEnv): 'protobuf' | 'json' {
  if (env['MCPSCOPE_PROXY_EXPORTER'] === 'json') return 'json';
  const protocol =
    nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) ?? nonEmpty(env['OTEL_EXPORTER_OTLP_PROTOCOL']);
  return protocol === 'http/json' ? 'json' : 'protobuf';
}

async function createExporter(encoding: 'protobuf' | 'json'): Promise<SpanExporter> {
  if (encoding === 'protobuf') return new OTLPProtoTraceExporter();
  // Loaded only when asked for, so the default path needs only the protobuf exporter.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter();
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
