import { formatNs } from '../../lib/format.js';
import { SPAN_LAYERS } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import type { LayerBreakdown } from './layerBreakdown.js';

const EXPLAIN: Record<string, string> = {
  client: 'client span minus its transport (or server) child: time in the client library',
  transport: 'transport span minus the server span: the wire, serialization and queuing',
  server: 'server span minus its children: time in the server and the tool handler itself',
  downstream: 'time covered by the server span’s children: HTTP, databases and other services',
};

/** "Where the time went": one stacked bar across the layers, computed from durations only. */
export function LayerBreakdownBar({ breakdown }: { breakdown: LayerBreakdown }) {
  const total = SPAN_LAYERS.reduce((sum, l) => sum + breakdown[l], 0);
  if (breakdown.requests === 0 || total <= 0) return null;
  return (
    <div className="breakdown" data-testid={TEST_IDS.layerBreakdown}>
      <h2>
        Where the time went{' '}
        <span className="muted small">
          ({breakdown.requests} MCP request{breakdown.requests === 1 ? '' : 's'}, from span durations — immune
          to clock skew)
        </span>
      </h2>
      <div className="breakdown-bar" role="img" aria-label="Time per layer">
        {SPAN_LAYERS.map((l) =>
          breakdown[l] > 0 ? (
            <div
              key={l}
              className={`layer-${l}`}
              style={{ width: `${(breakdown[l] / total) * 100}%` }}
              title={`${l}: ${formatNs(breakdown[l])}`}
            />
          ) : null,
        )}
      </div>
      <ul className="breakdown-legend">
        {SPAN_LAYERS.map((l) => (
          <li key={l} title={EXPLAIN[l]}>
            <span className={`layer-dot layer-${l}`} /> {l} <strong>{formatNs(breakdown[l])}</strong>{' '}
            <span className="muted">{Math.round((breakdown[l] / total) * 100)} %</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
