import { useEffect, useState, type FormEvent } from 'react';
import { FAULT_LAYERS } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import type { TraceFilters } from './traceFilters.js';

interface Props {
  value: TraceFilters;
  onSubmit: (filters: TraceFilters) => void;
}

const TEXT_FIELDS = [
  ['service', 'Service', 'my-agent'],
  ['server', 'Server', 'weather'],
  ['tool', 'Tool', 'get_forecast'],
  ['method', 'Method', 'tools/call'],
] as const;

/** Edits filters locally and writes them to the URL on submit, so typing does not fire a query per key. */
export function TraceFiltersForm({ value, onSubmit }: Props) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const set = (key: keyof TraceFilters, v: string): void => setDraft((d) => ({ ...d, [key]: v }));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onSubmit(draft);
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
          onChange={(e) => set('minDurationMs', e.target.value)}
        />
      </label>
      <label>
        Limit
        <input
          name="limit"
          type="number"
          min={1}
          max={1000}
          value={draft.limit}
          placeholder="50"
          onChange={(e) => set('limit', e.target.value)}
        />
      </label>
      <div className="filter-actions">
        <button type="submit">Search</button>
        <button
          type="button"
          className="secondary"
          onClick={() =>
            onSubmit({
              service: '',
              server: '',
              tool: '',
              method: '',
              status: '',
              fault: '',
              minDurationMs: '',
              limit: '',
            })
          }
        >
          Clear
        </button>
      </div>
    </form>
  );
}
