import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client.js';
import { useTrace } from '../../api/queries.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { formatDateTime, formatNs } from '../../lib/format.js';
import { parseRefresh } from '../../lib/refresh.js';
import { TEST_IDS } from '../../testIds.js';
import { criticalPath, type CriticalSection } from './criticalPath.js';
import { layerBreakdown } from './layerBreakdown.js';
import { LayerBreakdownBar } from './LayerBreakdownBar.js';
import { SpanPanel } from './SpanPanel.js';
import { buildSpanTree } from './spanTree.js';
import { toTraceModel } from './traceModel.js';
import { initialSpan, shownVerdictIndex, verdictsOf } from './verdict.js';
import { VerdictBanner } from './VerdictBanner.js';
import { Waterfall } from './Waterfall.js';

/**
 * One trace: the verdict on its failed calls, the waterfall, its critical path, where the time went, and
 * the selected span (`?span=`). A trace with a failed call opens with the span that explains the failure
 * selected, unless the URL names a span already.
 */
export function TraceView() {
  const traceId = useParams()['traceId'] ?? '';
  const [params, setParams] = useSearchParams();
  const q = useTrace(traceId, parseRefresh(params.get('refresh')));
  const selectedSpanId = params.get('span');

  const model = useMemo(() => (q.data ? toTraceModel(traceId, q.data.spans) : undefined), [q.data, traceId]);
  const tree = useMemo(() => (model ? buildSpanTree(model.spans) : undefined), [model]);
  const critical = useMemo(() => {
    const bySpan = new Map<string, CriticalSection[]>();
    for (const s of model ? criticalPath(model.spans) : []) {
      const list = bySpan.get(s.spanId);
      if (list) list.push(s);
      else bySpan.set(s.spanId, [s]);
    }
    return bySpan;
  }, [model]);
  const breakdown = useMemo(() => (model ? layerBreakdown(model.spans) : undefined), [model]);

  const select = useCallback(
    (spanId: string | null) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          if (spanId) next.set('span', spanId);
          else next.delete('span');
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  // The verdict's span goes into the URL (replacing the entry) once per trace, so the link in the address
  // bar is what is on screen; after that the selection is the user's, closing the panel included.
  const openedWithVerdict = useRef<string | null>(null);
  const rootCause = q.data?.rootCause ?? null;
  useEffect(() => {
    if (!model || openedWithVerdict.current === traceId) return;
    if (selectedSpanId !== null) {
      openedWithVerdict.current = traceId;
      return;
    }
    const spanId = initialSpan(selectedSpanId, rootCause, (id) => model.byId.has(id));
    if (spanId) {
      openedWithVerdict.current = traceId;
      select(spanId);
    }
  }, [model, rootCause, selectedSpanId, traceId, select]);
  const verdicts = useMemo(() => (q.data ? verdictsOf(q.data) : []), [q.data]);

  const selected = selectedSpanId ? model?.byId.get(selectedSpanId) : undefined;
  const root = tree?.roots[0] ? model?.byId.get(tree.roots[0]) : undefined;
  const errorCount = model?.spans.filter((s) => s.isError).length ?? 0;
  const notFound = q.error instanceof ApiError && q.error.status === 404;

  return (
    <section data-testid={TEST_IDS.trace}>
      <header className="view-header">
        <h1>
          {root ? root.view.name : 'Trace'} <span className="muted small mono">{traceId}</span>
        </h1>
        <Link to="/traces">← all traces</Link>
      </header>
      {notFound ? (
        <EmptyState title="Trace not found">
          <p>
            No span of trace <code>{traceId}</code> is stored (yet). Spans arrive when the instrumented
            processes flush; reload in a few seconds, or check the retention period.
          </p>
        </EmptyState>
      ) : (
        <QueryState isPending={q.isPending} error={q.error}>
          {model && tree && model.spans.length === 0 && <EmptyState title="This trace has no spans" />}
          {model && verdicts.length > 0 && (
            <VerdictBanner
              verdicts={verdicts}
              index={shownVerdictIndex(verdicts, selectedSpanId)}
              selectedSpanId={selectedSpanId}
              isLoaded={(id) => model.byId.has(id)}
              onSelect={select}
            />
          )}
          {model && tree && model.spans.length > 0 && (
            <>
              <p className="trace-facts">
                <span>{formatDateTime(Number(model.startUnixNano / 1_000_000n))}</span>
                <span>
                  duration <strong>{formatNs(model.durationNs)}</strong>
                </span>
                <span>{model.spans.length} spans</span>
                <span>{new Set(model.spans.map((s) => s.view.service)).size} services</span>
                {errorCount > 0 && <span className="error-text">⚠ {errorCount} error spans</span>}
                <span className="legend">
                  {(['client', 'transport', 'server', 'downstream'] as const).map((l) => (
                    <span key={l}>
                      <span className={`layer-dot layer-${l}`} /> {l}
                    </span>
                  ))}
                  <span>
                    <span className="critical-swatch" /> critical path
                  </span>
                </span>
              </p>
              {breakdown && <LayerBreakdownBar breakdown={breakdown} />}
              <div className={selected ? 'trace-layout with-panel' : 'trace-layout'}>
                <Waterfall
                  model={model}
                  rows={tree.rows}
                  critical={critical}
                  selectedSpanId={selectedSpanId}
                  onSelect={select}
                />
                {selected && (
                  <SpanPanel
                    span={selected}
                    traceId={traceId}
                    criticalNs={(critical.get(selected.spanId) ?? []).reduce(
                      (n, s) => n + s.endNs - s.startNs,
                      0,
                    )}
                    onClose={() => select(null)}
                  />
                )}
              </div>
            </>
          )}
        </QueryState>
      )}
    </section>
  );
}
