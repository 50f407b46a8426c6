import type { ExportResult } from '@opentelemetry/core';

/** What the official OTLP exporters (traces and metrics) have in common. */
export interface BurstExporter<T> {
  export(data: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/**
 * Exports every batch at the same moment, each through an exporter of its own (as many processes would),
 * and returns each export's final result once the exporters' own retries are over.
 */
export async function exportBurst<T>(
  batches: readonly T[],
  create: () => BurstExporter<T>,
): Promise<ExportResult[]> {
  const exporters = batches.map(() => create());
  try {
    return await Promise.all(
      batches.map((batch, i) => new Promise<ExportResult>((resolve) => exporters[i]!.export(batch, resolve))),
    );
  } finally {
    await Promise.all(exporters.map((e) => e.shutdown()));
  }
}

/** How many OTLP requests the collector answered with `code`, from its own `/metrics` counter. */
export async function answeredCount(collectorUrl: string, counter: string, code: number): Promise<number> {
  const text = await (await fetch(`${collectorUrl}/metrics`)).text();
  const m = new RegExp(`^${counter}\\{code="${code}"\\} (\\d+)`, 'm').exec(text);
  return m?.[1] ? Number(m[1]) : 0;
}
