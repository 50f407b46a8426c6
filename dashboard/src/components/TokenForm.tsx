import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { setNeedsToken, useNeedsToken } from '../api/authState.js';
import { readToken, storeToken } from '../api/token.js';
import { TEST_IDS } from '../testIds.js';

/**
 * Shown when the collector answers 401 (it was started with `MCPSCOPE_READ_TOKEN`): asks for the token,
 * keeps it in localStorage, and retries every query with it.
 */
export function TokenForm() {
  const needsToken = useNeedsToken();
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  if (!needsToken) return null;
  const hadToken = readToken() !== null;

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    storeToken(token.trim());
    setNeedsToken(false);
    void queryClient.invalidateQueries();
  };

  return (
    <form className="token-form callout" onSubmit={submit} data-testid={TEST_IDS.tokenForm}>
      <strong>
        {hadToken ? 'The stored read token was refused.' : 'This collector requires a read token.'}
      </strong>
      <label>
        Read token (<code>MCPSCOPE_READ_TOKEN</code>){' '}
        <input
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          data-testid={TEST_IDS.tokenInput}
        />
      </label>
      <button type="submit" disabled={token.trim() === ''}>
        Save
      </button>
    </form>
  );
}
