import { useEffect, useState, type FormEvent } from 'react';
import { RANGE_PRESETS, type RangePreset, type RangeSelection } from '../lib/timeRange.js';
import { TEST_IDS } from '../testIds.js';

interface Props {
  value: RangeSelection;
  onChange: (sel: RangeSelection) => void;
}

/** `datetime-local` wants local time without a zone: YYYY-MM-DDTHH:MM. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Quick ranges as buttons, and a custom from/to that lands in the URL as ISO times. */
export function TimeRangePicker({ value, onChange }: Props) {
  const now = Date.now();
  const [custom, setCustom] = useState(value.kind === 'custom');
  const [from, setFrom] = useState(toLocalInput(value.kind === 'custom' ? value.fromMs : now - 3_600_000));
  const [to, setTo] = useState(toLocalInput(value.kind === 'custom' ? value.toMs : now));
  // Follow the URL when it changes underneath (back button, a pasted link).
  const customFrom = value.kind === 'custom' ? value.fromMs : undefined;
  const customTo = value.kind === 'custom' ? value.toMs : undefined;
  useEffect(() => {
    if (customFrom !== undefined && customTo !== undefined) {
      setFrom(toLocalInput(customFrom));
      setTo(toLocalInput(customTo));
    }
  }, [customFrom, customTo]);

  const apply = (e: FormEvent): void => {
    e.preventDefault();
    const fromMs = new Date(from).getTime();
    const toMs = new Date(to).getTime();
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs)
      onChange({ kind: 'custom', fromMs, toMs });
  };

  return (
    <div className="range-picker" data-testid={TEST_IDS.rangePicker}>
      <div className="segmented" role="group" aria-label="Time range">
        {(Object.keys(RANGE_PRESETS) as RangePreset[]).map((preset) => (
          <button
            key={preset}
            type="button"
            aria-pressed={value.kind === 'preset' && value.preset === preset}
            onClick={() => {
              setCustom(false);
              onChange({ kind: 'preset', preset });
            }}
          >
            {preset}
          </button>
        ))}
        <button
          type="button"
          aria-pressed={value.kind === 'custom' || custom}
          onClick={() => setCustom(!custom)}
        >
          custom
        </button>
      </div>
      {(custom || value.kind === 'custom') && (
        <form className="custom-range" onSubmit={apply}>
          <label>
            from <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            to <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit">Apply</button>
        </form>
      )}
    </div>
  );
}
