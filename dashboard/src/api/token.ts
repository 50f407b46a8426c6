/** Where the read token (`MCPSCOPE_READ_TOKEN` of the collector) is kept between visits. */
const TOKEN_KEY = 'mcpscope.readToken';

/** The stored read token, or null. Storage can be unavailable (private modes): then there is none. */
export function readToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string): void {
  try {
    if (token === '') window.localStorage.removeItem(TOKEN_KEY);
    else window.localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Without storage the token lives only until the page is reloaded; nothing else to do.
  }
}
