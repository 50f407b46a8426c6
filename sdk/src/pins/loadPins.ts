import { errorMessage, parsePinFile, PinFileError, readPinFile, type PinFile } from './pinFile.js';

/** Options of {@link loadPins}. */
export interface LoadPinsOptions {
  /**
   * Bearer token sent with a pins URL (the collector's read token for `GET /api/tool-pins/:server`).
   * Never sent to a file, never logged.
   */
  token?: string | undefined;
  /** Give up on a pins URL after this long. Defaults to 10 000 ms. */
  timeoutMs?: number;
}

/** Whether `source` names a pins URL rather than a file. */
export function isPinsUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Loads a pin file from a path or an http(s) URL (the collector serves approved sets in the same
 * format). Every failure is a {@link PinFileError} whose message says what to fix.
 */
export async function loadPins(source: string, options: LoadPinsOptions = {}): Promise<PinFile> {
  if (!isPinsUrl(source)) return readPinFile(source);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(source, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new PinFileError(`cannot fetch pins from ${source}: ${errorMessage(cause ?? error)}`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? options.token === undefined
          ? ' (a token is needed: --pins-token or MCPSCOPE_PINS_TOKEN)'
          : ' (the token was refused)'
        : '';
    throw new PinFileError(`cannot fetch pins from ${source}: HTTP ${response.status}${hint}`);
  }
  return parsePinFile(text, source);
}
