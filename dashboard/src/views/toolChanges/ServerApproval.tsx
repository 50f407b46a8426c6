import { useState } from 'react';
import { useApproveTools } from '../../api/toolPinQueries.js';
import { readToken } from '../../api/token.js';
import type { ToolServerView } from '../../api/types.js';
import { Badge } from '../../components/Badge.js';
import { CopyButton } from '../../components/CopyButton.js';
import { formatDateTime } from '../../lib/format.js';
import { TEST_IDS } from '../../testIds.js';
import { pinUrl, proxyCommand, SERVER_STATUS, STANDING_LABEL, STANDING_TONE } from './approval.js';

/**
 * One server against its approved set: who approved what and when, each tool's standing (approved,
 * changed or new since approval, missing), "Approve current tools" with a confirm step that approves
 * exactly the set shown, and the pin URL and proxy command that hold the server to the approved set.
 */
export function ServerApproval({ server }: { server: ToolServerView }) {
  const approve = useApproveTools();
  const [confirming, setConfirming] = useState(false);
  const [approvedBy, setApprovedBy] = useState('');
  const [note, setNote] = useState('');
  const { approval } = server;
  const status = SERVER_STATUS[server.status];
  const url = pinUrl(window.location.origin, server);
  const command = proxyCommand(server, url, Boolean(readToken()));

  const submit = (): void => {
    approve.mutate(
      {
        server: server.server,
        setFingerprint: server.setFingerprint,
        ...(approvedBy.trim() ? { approvedBy: approvedBy.trim() } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      },
      { onSuccess: () => setConfirming(false) },
    );
  };

  return (
    <article
      className="change approval"
      data-testid={TEST_IDS.toolServer}
      data-server={server.server}
      data-status={server.status}
    >
      <header>
        <strong>{server.server}</strong>{' '}
        <span className="muted small">
          {server.serverVersion && `version ${server.serverVersion} · `}
          {server.toolCount} tool{server.toolCount === 1 ? '' : 's'} · set{' '}
          <code title={server.setFingerprint}>{server.setFingerprint.slice(0, 12)}</code>
        </span>{' '}
        <Badge tone={status.tone}>{status.label}</Badge>
      </header>
      <p className="small" data-testid={TEST_IDS.approvalInfo}>
        {approval ? (
          <>
            Approved {formatDateTime(approval.approvedAt)}
            {approval.approvedBy && (
              <>
                {' '}
                by <strong>{approval.approvedBy}</strong>
              </>
            )}{' '}
            (set <code title={approval.setFingerprint}>{approval.setFingerprint.slice(0, 12)}</code>, version{' '}
            {approval.serverVersion || '?'}){approval.note && <> — “{approval.note}”</>}
          </>
        ) : (
          <span className="muted">
            Nothing approved yet: changes are compared with the previous sighting only, and no pin file is
            served.
          </span>
        )}
      </p>
      {server.tools.length > 0 && (
        <ul
          className="standing"
          data-testid={TEST_IDS.approvalStanding}
          aria-label="Tools against the approved set"
        >
          {server.tools.map((t) => (
            <li key={t.tool} data-tool={t.tool} data-status={t.status}>
              <code>{t.tool}</code> <Badge tone={STANDING_TONE[t.status]}>{STANDING_LABEL[t.status]}</Badge>
            </li>
          ))}
        </ul>
      )}
      <div className="approval-actions wall-hidden">
        {confirming ? (
          <div className="approve-confirm" data-testid={TEST_IDS.approveConfirm}>
            <p>
              Approve the {server.toolCount} tool{server.toolCount === 1 ? '' : 's'} that{' '}
              <strong>{server.server}</strong> listed last (set{' '}
              <code>{server.setFingerprint.slice(0, 12)}</code>) as its approved set? Proxies and clients that
              take its pins will withhold every tool that differs from it.
            </p>
            <form
              className="filters"
              onSubmit={(e) => {
                e.preventDefault();
                submit();
              }}
            >
              <label>
                Approved by
                <input
                  value={approvedBy}
                  placeholder="your name"
                  onChange={(e) => setApprovedBy(e.target.value)}
                />
              </label>
              <label>
                Note
                <input
                  value={note}
                  placeholder="e.g. reviewed in PR 42"
                  onChange={(e) => setNote(e.target.value)}
                />
              </label>
              <div className="filter-actions">
                <button type="submit" disabled={approve.isPending} data-testid={TEST_IDS.approveSubmit}>
                  Approve {server.toolCount} tool{server.toolCount === 1 ? '' : 's'}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </form>
            {approve.error && (
              <p className="field-error" role="alert" data-testid={TEST_IDS.approveError}>
                {approve.error.message}
              </p>
            )}
          </div>
        ) : (
          <button
            type="button"
            data-testid={TEST_IDS.approveButton}
            disabled={server.status === 'approved'}
            title={server.status === 'approved' ? 'The current tools are the approved set' : undefined}
            onClick={() => {
              approve.reset();
              setConfirming(true);
            }}
          >
            Approve current tools
          </button>
        )}
      </div>
      <dl className="pin-usage">
        <dt>Pin file</dt>
        <dd>
          <code data-testid={TEST_IDS.pinUrl}>{url}</code> <CopyButton text={url} />
        </dd>
        <dt>Proxy</dt>
        <dd>
          <code data-testid={TEST_IDS.proxyCommand}>{command}</code> <CopyButton text={command} />
        </dd>
      </dl>
    </article>
  );
}
