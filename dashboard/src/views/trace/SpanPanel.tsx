import { Fragment, useState } from 'react';
import { Link } from 'react-router-dom';
import { Badge, FaultBadge, LayerBadge } from '../../components/Badge.js';
import { formatNs } from '../../lib/format.js';
import { traceHref } from '../../lib/links.js';
import { ATTR_ERROR_TYPE, ATTR_MCPSCOPE_FAULT } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import { eventOffsetNs, exceptionOf, filterAttributes, payloadsOf, prettyPayload } from './spanDetails.js';
import type { TraceSpan } from './traceModel.js';

interface Props {
  span: TraceSpan;
  traceId: string;
  criticalNs: number;
  onClose: () => void;
}

/** Everything about one span: what it was, how it failed and who is at fault, and what it carried. */
export function SpanPanel({ span, traceId, criticalNs, onClose }: Props) {
  const [filter, setFilter] = useState('');
  const v = span.view;
  const attributes = filterAttributes(v.attributes, filter);
  const payloads = payloadsOf(v);
  const fault = v.attributes[ATTR_MCPSCOPE_FAULT] ?? '';
  const errorType = v.attributes[ATTR_ERROR_TYPE] ?? '';

  return (
    <aside className="span-panel" data-testid={TEST_IDS.spanPanel} aria-label="Span details">
      <header className="span-panel-header">
        <div>
          <h2>
            {span.isError && <span className="wf-error-icon">⚠ </span>}
            {v.name}
          </h2>
          <div className="muted small">
            {v.service} · {v.kind} · span <code>{v.spanId}</code>
          </div>
        </div>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close span details">
          ✕
        </button>
      </header>

      <dl className="facts">
        <dt>Duration</dt>
        <dd>{formatNs(span.durationNs)}</dd>
        <dt>Starts at</dt>
        <dd>+{formatNs(span.startNs)}</dd>
        <dt>Layer</dt>
        <dd>
          <LayerBadge layer={span.layer} />
        </dd>
        <dt>Status</dt>
        <dd>
          <Badge tone={v.statusCode === 'Error' ? 'danger' : v.statusCode === 'Ok' ? 'ok' : 'neutral'}>
            {v.statusCode || 'Unset'}
          </Badge>{' '}
          {v.statusMessage}
        </dd>
        {(fault || errorType) && (
          <>
            <dt>Failure</dt>
            <dd>
              {errorType && <code>{errorType}</code>} <FaultBadge fault={fault} />
            </dd>
          </>
        )}
        {criticalNs > 0 && (
          <>
            <dt>Critical path</dt>
            <dd>{formatNs(criticalNs)} of this span held up the trace</dd>
          </>
        )}
      </dl>

      <section>
        <h3>Attributes</h3>
        <input
          className="attr-filter"
          type="search"
          placeholder="Filter attributes"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          data-testid={TEST_IDS.attributeFilter}
        />
        <table className="kv" data-testid={TEST_IDS.spanAttributes}>
          <tbody>
            <AttributeRows entries={attributes} />
            {attributes.length === 0 && (
              <tr>
                <td className="muted">{filter ? 'No attribute matches.' : 'No attributes.'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </section>

      {payloads.length > 0 && (
        <section>
          <h3>Captured payloads</h3>
          {payloads.map((p) => (
            <div key={p.name} className="payload">
              <div className="small">
                <code>{p.name}</code> · {p.originalSize} bytes{' '}
                {p.truncated && <Badge tone="warn">truncated to {p.value.length}</Badge>}
              </div>
              <pre>{prettyPayload(p.value)}</pre>
            </div>
          ))}
        </section>
      )}

      {v.events.length > 0 && (
        <section data-testid={TEST_IDS.spanEvents}>
          <h3>Events</h3>
          <ul className="events">
            {v.events.map((e, i) => {
              const ex = exceptionOf(e);
              const attrs = Object.entries(e.attributes).sort(([a], [b]) => (a < b ? -1 : 1));
              return (
                <li key={i} className={ex ? 'exception' : undefined}>
                  <span className="event-time">
                    +{formatNs(eventOffsetNs(v.startTimeUnixNano, e.timeUnixNano))}
                  </span>{' '}
                  <strong>{e.name}</strong>
                  {ex ? (
                    <div>
                      <div>
                        <code>{ex.type}</code> {ex.message}
                      </div>
                      {ex.stacktrace && <pre className="stack">{ex.stacktrace}</pre>}
                    </div>
                  ) : (
                    attrs.length > 0 && (
                      <table className="kv small">
                        <tbody>
                          <AttributeRows entries={attrs} />
                        </tbody>
                      </table>
                    )
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {(v.resourceAttributes || v.scope) && (
        <section>
          <h3>Process</h3>
          <table className="kv">
            <tbody>
              {v.scope && (
                <tr>
                  <th>instrumentation scope</th>
                  <td>
                    {v.scope.name} {v.scope.version}
                  </td>
                </tr>
              )}
              <AttributeRows entries={filterAttributes(v.resourceAttributes ?? {}, '')} />
            </tbody>
          </table>
        </section>
      )}

      {v.links.length > 0 && (
        <section>
          <h3>Links</h3>
          <ul>
            {v.links.map((l, i) => (
              <li key={i}>
                <Link to={traceHref(l.traceId, l.spanId)}>
                  {l.traceId === traceId ? 'this trace' : `trace ${l.traceId.slice(0, 12)}…`} · span{' '}
                  {l.spanId}
                </Link>
                {Object.keys(l.attributes).length > 0 && (
                  <span className="muted small">
                    {' '}
                    {Object.entries(l.attributes)
                      .map(([k, val]) => `${k}=${val}`)
                      .join(', ')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}

/** Table rows of attribute names and values. */
function AttributeRows({ entries }: { entries: readonly (readonly [string, string])[] }) {
  return (
    <>
      {entries.map(([k, val]) => (
        <tr key={k}>
          <th>
            <DottedName name={k} />
          </th>
          <td>{val}</td>
        </tr>
      ))}
    </>
  );
}

/** An attribute name that may wrap after its dots (`gen_ai.tool.` / `name`), never inside a word. */
function DottedName({ name }: { name: string }) {
  const parts = name.split('.');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              .<wbr />
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}
