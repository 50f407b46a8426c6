import type { ReactNode } from 'react';
import type { SpanLayer } from '../telemetry.js';

export type BadgeTone = 'neutral' | 'danger' | 'warn' | 'ok' | 'info';

export function Badge({
  tone = 'neutral',
  children,
  title,
}: {
  tone?: BadgeTone;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A layer name in its waterfall colour. */
export function LayerBadge({ layer }: { layer: SpanLayer | string }) {
  return <span className={`badge layer layer-${layer}`}>{layer}</span>;
}

/**
 * The root cause of a failed call: the layer the collector's verdict names, in that layer's colour
 * (the waterfall's for client, transport, server and downstream). Nothing when there is no verdict.
 */
export function RootCauseBadge({ layer }: { layer: string | undefined }) {
  if (!layer) return null;
  return (
    <span className={`badge layer layer-${layer}`} title={`Root cause: ${layer}`}>
      {layer}
    </span>
  );
}

/** The layer one span's own process attributed a failure to (`mcpscope.fault`). */
export function FaultBadge({ fault }: { fault: string }) {
  if (!fault) return <span className="muted">–</span>;
  return (
    <span className="badge fault" title="Layer this failure is attributed to">
      fault: {fault}
    </span>
  );
}
