import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';
import { isInputRejection, isTransientStorageError } from './isTransientStorageError.js';

// The errors below have the shapes @clickhouse/client and Node.js produce (ClickHouseError carries the
// server's numeric code as a string and its type name); a unit test cannot make a server emit them.
const clickhouse = (code: string, type: string, message = `Code: ${code}. DB::Exception: x. (${type})`) =>
  Object.assign(new Error(message), { code, type });

describe('isTransientStorageError', () => {
  it('retries server conditions that pass', () => {
    for (const [code, type] of [
      ['159', 'TIMEOUT_EXCEEDED'],
      ['202', 'TOO_MANY_SIMULTANEOUS_QUERIES'],
      ['252', 'TOO_MANY_PARTS'],
      ['242', 'TABLE_IS_READ_ONLY'],
      ['319', 'UNKNOWN_STATUS_OF_INSERT'],
      ['999', 'KEEPER_EXCEPTION'],
    ]) {
      expect(isTransientStorageError(clickhouse(code!, type!))).toBe(true);
    }
  });

  it('retries socket failures, also when wrapped as a cause', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']) {
      expect(isTransientStorageError(Object.assign(new Error(code), { code }))).toBe(true);
    }
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });
    expect(isTransientStorageError(wrapped)).toBe(true);
    expect(isTransientStorageError(new Error('Timeout error.'))).toBe(true);
  });

  it('retries storage that cannot write (a full disk, a read-only file system): 503, not 500', () => {
    expect(
      isTransientStorageError(
        clickhouse('243', 'NOT_ENOUGH_SPACE', 'Cannot reserve 1.00 MiB, not enough space'),
      ),
    ).toBe(true);
    expect(
      isTransientStorageError(
        clickhouse(
          '75',
          'CANNOT_WRITE_TO_FILE_DESCRIPTOR',
          'Cannot write to file /data/x.bin: No space left on device',
        ),
      ),
    ).toBe(true);
    expect(isTransientStorageError(new Error('Cannot open file /d/x: Read-only file system'))).toBe(true);
  });

  it('does not retry what the rows cause, even under a transient code (a 503 loop otherwise)', () => {
    const partitions = clickhouse(
      '252',
      'TOO_MANY_PARTS',
      'Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 100). (TOO_MANY_PARTS)',
    );
    expect(isTransientStorageError(partitions)).toBe(false);
  });

  it('recognises the code in an unparsed server message', () => {
    expect(isTransientStorageError(new Error('Code: 252. DB::Exception: Too many parts'))).toBe(true);
  });

  it('does not retry errors that would fail the same way again', () => {
    expect(isTransientStorageError(clickhouse('27', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'))).toBe(false);
    expect(isTransientStorageError(clickhouse('16', 'NO_SUCH_COLUMN_IN_TABLE'))).toBe(false);
    expect(isTransientStorageError(clickhouse('516', 'AUTHENTICATION_FAILED'))).toBe(false);
    expect(isTransientStorageError(new TypeError('x is not a function'))).toBe(false);
    expect(isTransientStorageError('boom')).toBe(false);
    expect(isTransientStorageError(undefined)).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('doubles per attempt and keeps at least half the nominal delay', () => {
    expect(backoffDelayMs(0, 50, () => 0)).toBe(25);
    expect(backoffDelayMs(0, 50, () => 1)).toBe(50);
    expect(backoffDelayMs(3, 50, () => 0)).toBe(200);
    expect(backoffDelayMs(3, 50, () => 1)).toBe(400);
    const d = backoffDelayMs(2, 50);
    expect(d).toBeGreaterThanOrEqual(100);
    expect(d).toBeLessThanOrEqual(200);
  });
});

describe('isInputRejection', () => {
  it('names refusals of the rows themselves, not the collector failing', () => {
    expect(isInputRejection(clickhouse('41', 'CANNOT_PARSE_DATETIME'))).toBe(true);
    expect(isInputRejection(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe(true);
    expect(
      isInputRejection(
        clickhouse('252', 'TOO_MANY_PARTS', 'Too many partitions for single INSERT block (more than 100)'),
      ),
    ).toBe(true);
    expect(isInputRejection(clickhouse('60', 'UNKNOWN_TABLE'))).toBe(false);
    expect(isInputRejection(clickhouse('243', 'NOT_ENOUGH_SPACE'))).toBe(false);
    expect(isInputRejection('text')).toBe(false);
  });
});
