import { useEffect, useState, type FormEvent } from 'react';
import { FAULT_LAYERS } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import { parseAttributeFilter, type TraceFilters } from './traceFilters.js';

interface Props {
  value: TraceFilters;
  /** The `key=value` attribute filters in effect. */
  attributes: readonly string[];
  onSubmit: (filters: TraceFilters, attributes: string[]) => void;
}

const TEXT_FIELDS = [
  ['service', 'Service', 'any service'],
  ['server', 'Server', 'any server'],
  ['tool', 'Tool', 'any tool'],
  ['method', 'Method', 'any method, e.g. tools/call'],
] as const;

const EMPTY: TraceFilters = {
  service: '',
  server: '',
  tool: '',
  method: '',
  status: '',
  fault: '',
  minDurationMs: '',
  limit: '',
};

/**
 * Edits filters locally and writes them to the URL on submit, so typing does not fire a query per key.
 * An attribute typed as `key=value` joins the list on submit (Enter); each one applied shows as a chip
 * that removes it.
 */
export function TraceFiltersForm({ value, attributes, onSubmit }: Props) {
  const [draft, setDraft] = useState(value);
  const [attrDraft, setAttrDraft] = useState('');
  const [attrError, setAttrError] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);
  const set = (key: keyof TraceFilters, v: string): void => setDraft((d) => ({ ...d, [key]: v }));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    let attrs = [...attributes];
    if (attrDraft.trim() !== '') {
      const parsed = parseAttributeFilter(attrDraft);
      if (!parsed.ok) {
        setAttrError(parsed.error);
        return;
      }
      if (!attrs.includes(parsed.value)) attrs = [...attrs, parsed.value];
    }
    setAttrDraft('');
    setAttrError(null);
    onSubmit(draft, attrs);
  };

  return (
    <form className="filters" onSubmit={submit} data-testid={TEST_IDS.traceFilters}>
      {TEXT_FIELDS.map(([key, label, placeholder]) => (
        <label key={key}>
          {label}
          <input
            name={key}
            value={draft[key]}
            placeholder={placeholder}
            onChange={(e) => set(key, e.target.value)}
          />
        </label>
      ))}
      <label>
        Status
        <select name="status" value={draft.status} onChange={(e) => set('status', e.target.value)}>
          <option value="">any</option>
          <option value="error">error</option>
          <option value="ok">ok</option>
        </select>
      </label>
      <label>
        Root cause
        <select name="fault" value={draft.fault} onChange={(e) => set('fault', e.target.value)}>
          <option value="">any</option>
          {FAULT_LAYERS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        Min duration (ms)
        <input
          name="minDurationMs"
          type="number"
          min={0}
          step="any"
          value={draft.minDurationMs}
          placeholder="none"
          onChange={(e) => set('minDurationMs', e.target.value)}
        />
      </label>
      <label className="attr-field">
        Attribute
        <input
          name="attr"
          value={attrDraft}
          placeholder="key=value, e.g. mcp.session.id=abc"
          aria-invalid={attrError !== null}
          aria-describedby={attrError ? 'attr-error' : undefined}
          onChange={(e) => {
            setAttrDraft(e.target.value);
            setAttrError(null);
          }}
          data-testid={TEST_IDS.attributeInput}
        />
      </label>
      <div className="filter-actions">
        <button type="submit">Search</button>
        <button type="button" className="secondary" onClick={() => onSubmit(EMPTY, [])}>
          Clear
        </button>
      </div>
      {attrError && (
        <p className="field-error" id="attr-error" role="alert" data-testid={TEST_IDS.attributeError}>
          {attrError}
        </p>
      )}
      {attributes.length > 0 && (
        <div className="chips" aria-label="Attribute filters">
          {attributes.map((a) => (
            <button
              key={a}
              type="button"
              className="chip"
              title="Remove this filter"
              data-testid={TEST_IDS.attributeChip}
              onClick={() =>
                onSubmit(
                  value,
                  attributes.filter((x) => x !== a),
                )
              }
            >
              <code>{a}</code> ×
            </button>
          ))}
        </div>
      )}
    </form>
  );
}
