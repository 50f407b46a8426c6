import { useState, type ClipboardEvent, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { traceHref } from '../lib/links.js';
import { parseTraceIdInput } from '../lib/traceIdInput.js';
import { TEST_IDS } from '../testIds.js';

/**
 * The trace-id box of the navigation, on every page: a pasted id (or traceparent, or trace link) opens
 * the trace at once; a typed one opens on Enter. Anything else gets a message under the box instead of
 * a trip to a "not found" page.
 */
export function TraceIdBox() {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const open = (raw: string): boolean => {
    const parsed = parseTraceIdInput(raw);
    if (!parsed.ok) {
      setError(parsed.error);
      return false;
    }
    setError(null);
    setText('');
    void navigate(traceHref(parsed.traceId));
    return true;
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    open(text);
  };
  const paste = (e: ClipboardEvent<HTMLInputElement>): void => {
    const pasted = e.clipboardData.getData('text');
    // Only a whole valid id opens on paste; a fragment is left in the box to finish by hand.
    if (text === '' && parseTraceIdInput(pasted).ok) {
      e.preventDefault();
      open(pasted);
    }
  };

  return (
    <form className="trace-id-box" role="search" onSubmit={submit} data-testid={TEST_IDS.traceIdBox}>
      <input
        type="search"
        aria-label="Open a trace by id"
        placeholder="Trace id…"
        spellCheck={false}
        autoComplete="off"
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error ? 'trace-id-error' : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        onPaste={paste}
        data-testid={TEST_IDS.traceIdInput}
      />
      {error && (
        <span className="trace-id-error" id="trace-id-error" role="alert" data-testid={TEST_IDS.traceIdError}>
          {error}
        </span>
      )}
    </form>
  );
}
