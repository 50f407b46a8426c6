import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { diag, type Attributes } from '@opentelemetry/api';
import { McpscopeSpanProcessor } from './core/McpscopeSpanProcessor.js';

/** Options of {@link startTracing}. */
export interface StartTracingOptions {
  /**
   * `service.name` of everything this process reports. Defaults to `OTEL_SERVICE_NAME`, then
   * `unknown_service:node` (the OpenTelemetry default), so the variable works without code changes.
   */
  serviceName?: string;
  /**
   * Base URL of the OTLP/HTTP receiver (the mcpscope collector); `/v1/traces` and `/v1/metrics` are
   * appended. Defaults to `OTEL_EXPORTER_OTLP_ENDPOINT`, then `http://localhost:4318` (the collector's
   * default port).
   */
  endpoint?: string;
  /** Extra resource attributes (e.g. `deployment.environment.name`). Defaults to none. */
  resourceAttributes?: Attributes;
  /**
   * How often metrics are exported, in milliseconds. Defaults to `OTEL_METRIC_EXPORT_INTERVAL`, then
   * 60000 (the OpenTelemetry default).
   */
  exportIntervalMs?: number;
}

/**
 * A running tracing setup. Neither method ever rejects: telemetry that cannot be delivered (the
 * collector is down) is reported to OpenTelemetry's diagnostic logger (`diag`), not thrown into the
 * program that is shutting down.
 */
export interface Tracing {
  /** Exports everything buffered, then stops the SDK. */
  shutdown(): Promise<void>;
  /** Exports everything buffered and keeps running. */
  forceFlush(): Promise<void>;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/**
 * Starts the OpenTelemetry Node SDK for an instrumented MCP client or server: spans batched and sent as
 * OTLP/HTTP protobuf, metrics exported periodically, W3C trace-context and baggage propagation, and the
 * async-hooks context manager (so a tool handler's own spans nest under its MCP span), and the
 * {@link McpscopeSpanProcessor} (so a tool failure after a failed HTTP or database call is attributed
 * to that `downstream` call). This is the one place that installs global OpenTelemetry state; {@link instrumentClient} and instrumentServer only use it.
 */
export function startTracing(options: StartTracingOptions = {}): Tracing {
  const endpoint = (
    options.endpoint ??
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ??
    DEFAULT_ENDPOINT
  ).replace(/\/+$/, '');
  const serviceName = options.serviceName ?? process.env['OTEL_SERVICE_NAME'];
  const envInterval = Number(process.env['OTEL_METRIC_EXPORT_INTERVAL']);
  const exportIntervalMillis =
    options.exportIntervalMs ??
    (Number.isFinite(envInterval) && envInterval > 0 ? envInterval : DEFAULT_EXPORT_INTERVAL_MS);
  const attributes: Attributes = { ...options.resourceAttributes };
  if (serviceName) attributes['service.name'] = serviceName;

  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }));
  const metricReader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
    exportIntervalMillis,
    exportTimeoutMillis: Math.min(30_000, exportIntervalMillis),
  });
  // Typed as the SDK's SpanProcessor here, which checks that the structural type still fits it.
  const downstream: SpanProcessor = new McpscopeSpanProcessor();
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(attributes),
    spanProcessors: [downstream, spanProcessor],
    metricReaders: [metricReader],
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [],
  });
  sdk.start();
  return {
    shutdown: () => swallow('shutdown', sdk.shutdown()),
    forceFlush: () =>
      swallow('forceFlush', Promise.all([spanProcessor.forceFlush(), metricReader.forceFlush()])),
  };
}

/** Awaits `work`, reporting a failure to `diag` instead of rejecting. */
async function swallow(what: string, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    diag.error(`mcpscope: tracing ${what} could not export everything`, error);
  }
}
