import { useSearchParams } from 'react-router-dom';
import { useToolChanges } from '../../api/queries.js';
import type { ToolChange } from '../../api/types.js';
import { Badge, type BadgeTone } from '../../components/Badge.js';
import { DemoCommand, EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RefreshPicker } from '../../components/RefreshPicker.js';
import { formatDateTime } from '../../lib/format.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { TEST_IDS } from '../../testIds.js';
import { DiffView, type DiffMode } from './DiffView.js';
import { flagDescription, flagTone } from './flags.js';
import { STANDING_LABEL, STANDING_TONE } from './approval.js';
import { ServerApproval } from './ServerApproval.js';

const KIND_TONE: Record<ToolChange['kind'], BadgeTone> = { added: 'ok', removed: 'neutral', changed: 'info' };

/**
 * Tool-definition history: what changed, when, and whether it looks like a rug pull (no version bump,
 * mid-session, injected instructions). `?server=` filters, `?diff=split` shows diffs side by side.
 */
export function ToolChangesView() {
  const [params, setParams] = useSearchParams();
  const { refresh, setRefresh } = useRangeState();
  const server = params.get('server') ?? '';
  const mode: DiffMode = params.get('diff') === 'split' ? 'split' : 'unified';
  const q = useToolChanges(server, refresh);
  const changes = [...(q.data?.changes ?? [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const current = q.data?.current ?? [];
  const approvals = q.data?.servers ?? [];
  const servers = [...new Set([...current.map((c) => c.server), ...changes.map((c) => c.server)])].sort();

  const setParam = (key: string, value: string): void =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });

  return (
    <section data-testid={TEST_IDS.toolChanges}>
      <header className="view-header">
        <h1>Tool changes</h1>
        <div className="toolbar">
          <label>
            Server{' '}
            <select value={server} onChange={(e) => setParam('server', e.target.value)}>
              <option value="">all</option>
              {servers.concat(server && !servers.includes(server) ? [server] : []).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <div className="segmented" role="group" aria-label="Diff layout">
            <button type="button" aria-pressed={mode === 'unified'} onClick={() => setParam('diff', '')}>
              unified
            </button>
            <button type="button" aria-pressed={mode === 'split'} onClick={() => setParam('diff', 'split')}>
              side by side
            </button>
          </div>
          <RefreshPicker value={refresh} onChange={setRefresh} />
        </div>
      </header>
      <QueryState isPending={q.isPending} error={q.error}>
        {changes.length === 0 && current.length === 0 ? (
          <EmptyState title="No tool definitions seen yet">
            <p>
              Instrumented clients record every <code>tools/list</code> result; definitions and their changes
              appear here. Run <DemoCommand />, or point an instrumented client&apos;s{' '}
              <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> at this collector.
            </p>
          </EmptyState>
        ) : (
          <>
            <h2>Approved sets</h2>
            <p className="muted small">
              Approving records a server&apos;s current tools as its approved set: changes are then compared
              with it as well as with the previous sighting, and <code>mcpscope proxy --pins</code> or{' '}
              <code>instrumentClient</code> with pins can withhold every tool that departs from it.
            </p>
            {approvals.map((s) => (
              <ServerApproval key={s.server} server={s} />
            ))}
            <h2>Changes</h2>
            {changes.length === 0 && (
              <p className="muted">No definition has changed since it was first seen.</p>
            )}
            {changes.map((c, i) => (
              <article
                key={`${c.server}|${c.tool}|${c.at}|${i}`}
                className="change"
                data-testid={TEST_IDS.toolChange}
              >
                <header>
                  <Badge tone={KIND_TONE[c.kind]}>{c.kind}</Badge> <strong>{c.tool}</strong> on{' '}
                  <strong>{c.server}</strong>{' '}
                  <span className="muted small">
                    {formatDateTime(c.at)}
                    {c.before &&
                      c.after &&
                      ` · version ${c.before.serverVersion || '?'} → ${c.after.serverVersion || '?'}`}
                  </span>{' '}
                  {c.approval && (
                    <span data-testid={TEST_IDS.changeApproval} data-status={c.approval.status}>
                      <Badge
                        tone={STANDING_TONE[c.approval.status]}
                        title={`Against the set approved ${formatDateTime(c.approval.approvedAt)}`}
                      >
                        {c.approval.status === 'match'
                          ? 'as approved'
                          : `unapproved: ${STANDING_LABEL[c.approval.status]}`}
                      </Badge>
                    </span>
                  )}
                  {/* The approval badge says `unapproved` more precisely than the flag would. */}
                  {c.flags
                    .filter((f) => !(c.approval && f === 'unapproved'))
                    .map((f) => (
                      <Badge key={f} tone={flagTone(f)} title={flagDescription(f)}>
                        {f}
                      </Badge>
                    ))}
                </header>
                {c.findings && c.findings.length > 0 && (
                  <ul className="findings" aria-label="What the heuristics matched">
                    {c.findings.map((f, k) => (
                      <li key={k}>
                        <Badge tone={flagTone(f.flag)}>{f.flag}</Badge> <code>{f.evidence}</code>
                      </li>
                    ))}
                  </ul>
                )}
                {/* Open what needs a look: changes and flagged additions, the newest few. */}
                <details open={i < 5 && (c.kind === 'changed' || c.flags.length > 0)}>
                  <summary>{c.kind === 'changed' ? 'Definition diff' : 'Definition'}</summary>
                  {/* An addition or removal has one side: side by side would leave half the width empty. */}
                  <DiffView
                    before={c.before?.definition}
                    after={c.after?.definition}
                    mode={c.kind === 'changed' ? mode : 'unified'}
                  />
                </details>
              </article>
            ))}
            <h2>Current definitions</h2>
            <table className="table">
              <thead>
                <tr>
                  <th>Server</th>
                  <th>Version</th>
                  <th>Tool</th>
                  <th>Fingerprint</th>
                  <th>Flags</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {current.map((d) => (
                  <tr key={`${d.server}|${d.tool}`}>
                    <td>{d.server}</td>
                    <td>{d.serverVersion}</td>
                    <td>{d.tool}</td>
                    <td>
                      <code title={d.fingerprint}>{d.fingerprint.slice(0, 12)}</code>
                    </td>
                    <td>
                      {(d.flags ?? []).map((f) => (
                        <Badge key={f} tone={flagTone(f)} title={flagDescription(f)}>
                          {f}
                        </Badge>
                      ))}
                    </td>
                    <td className="nowrap">{formatDateTime(d.firstSeen)}</td>
                    <td className="nowrap">{formatDateTime(d.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
    </section>
  );
}
