import type { ReactNode } from 'react';
import { ApiError, UnauthorizedError } from '../api/client.js';
import { TEST_IDS } from '../testIds.js';

interface Props {
  isPending: boolean;
  error: Error | null;
  children: ReactNode;
}

/** Loading and error states around a query's content; a 401 is left to the token form. */
export function QueryState({ isPending, error, children }: Props) {
  if (error && !(error instanceof UnauthorizedError)) {
    return (
      <div className="callout error" role="alert" data-testid={TEST_IDS.queryError}>
        <strong>Could not load this view.</strong>{' '}
        {error instanceof ApiError
          ? `The collector answered ${error.status}: ${error.message}`
          : error.message}
      </div>
    );
  }
  if (error) return null;
  if (isPending) return <div className="loading">Loading…</div>;
  return <>{children}</>;
}
