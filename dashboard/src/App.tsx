import { lazy, Suspense, useLayoutEffect } from 'react';
import { NavLink, Route, Routes, useSearchParams } from 'react-router-dom';
import { useToolChangeAlerts } from './api/queries.js';
import { FiringAlertsBadge } from './components/FiringAlertsBadge.js';
import { ThemeToggle } from './components/ThemeToggle.js';
import { TokenForm } from './components/TokenForm.js';
import { TraceIdBox } from './components/TraceIdBox.js';
import { recentFlaggedChanges } from './lib/recentToolAlerts.js';
import type { RefreshOption } from './lib/refresh.js';
import { carryRange } from './lib/timeRange.js';
import { effectiveRefresh, isWall } from './lib/wall.js';
import { TEST_IDS } from './testIds.js';

// Each view loads on first visit: the shell stays small, and uPlot (charts) or TanStack Virtual
// (waterfall) are fetched only by the views that draw them.
const OverviewView = lazy(() =>
  import('./views/overview/OverviewView.js').then((m) => ({ default: m.OverviewView })),
);
const ToolDetailView = lazy(() =>
  import('./views/toolDetail/ToolDetailView.js').then((m) => ({ default: m.ToolDetailView })),
);
const ErrorsView = lazy(() =>
  import('./views/errors/ErrorsView.js').then((m) => ({ default: m.ErrorsView })),
);
const TraceSearchView = lazy(() =>
  import('./views/traces/TraceSearchView.js').then((m) => ({ default: m.TraceSearchView })),
);
const TraceView = lazy(() => import('./views/trace/TraceView.js').then((m) => ({ default: m.TraceView })));
const ToolChangesView = lazy(() =>
  import('./views/toolChanges/ToolChangesView.js').then((m) => ({ default: m.ToolChangesView })),
);
const AlertsView = lazy(() =>
  import('./views/alerts/AlertsView.js').then((m) => ({ default: m.AlertsView })),
);

/**
 * Navigation keeps the time range, auto-refresh and the wall layout, so switching views keeps the window
 * you look at; on the right, the trace-id box and the theme toggle (not on a wall: nobody types there).
 */
function Nav() {
  const [params] = useSearchParams();
  const keep = carryRange(params);
  for (const k of ['refresh', 'wall'] as const) {
    const v = params.get(k);
    if (v) keep.set(k, v);
  }
  const refresh = effectiveRefresh(params);
  const qs = keep.toString() ? `?${keep.toString()}` : '';
  const links = [
    ['/', 'Overview'],
    ['/traces', 'Traces'],
    ['/errors', 'Errors'],
    ['/tool-changes', 'Tool changes'],
    ['/alerts', 'Alerts'],
  ] as const;
  return (
    <nav className="nav" data-testid={TEST_IDS.nav}>
      <NavLink to={`/${qs}`} className="brand">
        mcpscope
      </NavLink>
      {links.map(([to, label]) => (
        <NavLink key={to} to={`${to}${qs}`} end={to === '/'}>
          {label}
          {to === '/tool-changes' && <ToolChangeAlert refresh={refresh} />}
          {to === '/alerts' && <FiringAlertsBadge refresh={refresh} />}
        </NavLink>
      ))}
      <div className="nav-tools">
        <TraceIdBox />
        <ThemeToggle />
      </div>
    </nav>
  );
}

/**
 * The rug-pull alert on every page: how many tool definitions changed in a suspicious way (no version
 * bump, mid-session, an injection pattern) in the last day. Nothing is shown when there are none, or
 * when the history cannot be read (the token form speaks for a 401).
 */
function ToolChangeAlert({ refresh }: { refresh: RefreshOption }) {
  const { data } = useToolChangeAlerts(refresh);
  const count = data ? recentFlaggedChanges(data.changes, Date.now()).length : 0;
  if (count === 0) return null;
  const label = `${count} flagged tool definition change${count === 1 ? '' : 's'} in the last 24 hours`;
  return (
    <span className="badge danger small nav-alert" data-testid={TEST_IDS.toolChangeAlert} title={label}>
      <span aria-hidden="true">⚠ {count}</span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <NavLink to="/">Go to the overview</NavLink>
      </p>
    </section>
  );
}

/** `?wall=1` puts the kiosk layout on the document, before any chart measures the text size. */
function useWallLayout(): void {
  const [params] = useSearchParams();
  const wall = isWall(params);
  useLayoutEffect(() => {
    document.documentElement.classList.toggle('wall', wall);
  }, [wall]);
}

export function App() {
  useWallLayout();
  return (
    <>
      <Nav />
      <main className="main">
        <TokenForm />
        <Suspense fallback={<div className="loading">Loading…</div>}>
          <Routes>
            <Route path="/" element={<OverviewView />} />
            <Route path="/overview" element={<OverviewView />} />
            <Route path="/tools/:server/:tool" element={<ToolDetailView />} />
            <Route path="/errors" element={<ErrorsView />} />
            <Route path="/traces" element={<TraceSearchView />} />
            <Route path="/traces/:traceId" element={<TraceView />} />
            <Route path="/tool-changes" element={<ToolChangesView />} />
            <Route path="/alerts" element={<AlertsView />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}
