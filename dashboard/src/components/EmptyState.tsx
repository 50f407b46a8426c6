import type { ReactNode } from 'react';
import { useInfo } from '../api/queries.js';
import { TEST_IDS } from '../testIds.js';

/** What to do when there is nothing to show yet: newcomers land here first. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid={TEST_IDS.emptyState}>
      <h3>{title}</h3>
      {children ?? <NoDataHint />}
    </div>
  );
}

/** The standard way to get data in. */
export function NoDataHint() {
  return (
    <p>
      Run <DemoCommand /> for sample traffic, or point <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> of an
      instrumented MCP client or server (or <code>mcpscope proxy</code>) at this collector. Widen the time
      range if data is older.
    </p>
  );
}

/**
 * The demo command that works where the collector runs (`npm run demo` in a clone, `npx mcpscope demo`
 * when installed), as the collector reports it.
 */
export function DemoCommand() {
  const info = useInfo();
  return <code data-testid={TEST_IDS.demoCommand}>{info.data?.demoCommand ?? 'npx mcpscope demo'}</code>;
}
