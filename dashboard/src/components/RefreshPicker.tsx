import { REFRESH_OPTIONS, type RefreshOption } from '../lib/refresh.js';
import { TEST_IDS } from '../testIds.js';

interface Props {
  value: RefreshOption;
  onChange: (option: RefreshOption) => void;
}

/** Auto-refresh for wall screens; the choice is part of the URL so a bookmarked screen keeps polling. */
export function RefreshPicker({ value, onChange }: Props) {
  return (
    <label className="refresh-picker" data-testid={TEST_IDS.refreshPicker}>
      Auto-refresh{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as RefreshOption)}>
        {(Object.keys(REFRESH_OPTIONS) as RefreshOption[]).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
