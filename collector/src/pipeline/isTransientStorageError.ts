/**
 * ClickHouse error codes that describe a passing condition of the server or the cluster rather than a
 * problem with the rows: the same insert may succeed a moment later, so it is retried with backoff.
 * Anything else (a row ClickHouse cannot parse, a missing column, bad credentials) fails the same way
 * every time and is reported at once.
 */
const TRANSIENT_CLICKHOUSE_CODES = new Set<number>([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE — a full disk: writes resume once space is freed
  252, // TOO_MANY_PARTS — merges are behind; inserting again after a pause is the documented remedy
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION — network failures surface through Poco
]);

const TRANSIENT_CLICKHOUSE_TYPES = new Set<string>([
  'NOT_ENOUGH_SPACE',
  'TIMEOUT_EXCEEDED',
  'TOO_MANY_SIMULTANEOUS_QUERIES',
  'TOO_MANY_PARTS',
  'TABLE_IS_READ_ONLY',
  'UNKNOWN_STATUS_OF_INSERT',
  'KEEPER_EXCEPTION',
  'NETWORK_ERROR',
  'SOCKET_TIMEOUT',
]);

/** Node.js and undici socket error codes: the connection failed, not the insert. */
const TRANSIENT_SOCKET_CODES = new Set<string>([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

// `@clickhouse/client` parses server errors into `ClickHouseError { code: '252', type: 'TOO_MANY_PARTS' }`;
// errors that escaped that parser still carry the server's text, which starts with "Code: 252.".
const CODE_IN_MESSAGE = /\bCode: (\d+)\b/;

// The disk or file system cannot take writes, whatever code the engine wraps it in (it reports ENOSPC
// from a write as CANNOT_WRITE_TO_FILE_DESCRIPTOR, say): storage is unavailable, not the rows wrong.
const STORAGE_CANNOT_WRITE = /No space left on device|not enough space|Read-only file system|Cannot reserve/i;

// Errors that share a transient code but that the rows themselves cause, so that the same insert fails
// the same way every time: "Too many partitions for single INSERT block" is TOO_MANY_PARTS (252), like
// "merges are behind", but retrying it is a loop.
const PERMANENT_DESPITE_CODE = /Too many partitions for single INSERT block/i;

/**
 * Whether an insert that failed with `error` is worth retrying. Looks at the ClickHouse code and type,
 * the socket error code, the message, and the `cause` chain (clients wrap socket errors).
 */
export function isTransientStorageError(error: unknown): boolean {
  const text = error instanceof Error ? error.message : '';
  if (PERMANENT_DESPITE_CODE.test(text)) return false;
  if (STORAGE_CANNOT_WRITE.test(text)) return true;
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e !== 'object') return false;
    const { code, type, message, cause } = e as {
      code?: unknown;
      type?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (TRANSIENT_SOCKET_CODES.has(code)) return true;
      if (/^\d+$/.test(code) && TRANSIENT_CLICKHOUSE_CODES.has(Number(code))) return true;
    }
    if (typeof code === 'number' && TRANSIENT_CLICKHOUSE_CODES.has(code)) return true;
    if (typeof type === 'string' && TRANSIENT_CLICKHOUSE_TYPES.has(type)) return true;
    if (typeof message === 'string') {
      const m = CODE_IN_MESSAGE.exec(message);
      if (m?.[1] !== undefined && TRANSIENT_CLICKHOUSE_CODES.has(Number(m[1]))) return true;
      // The HTTP client reports its own request timeout with this text and no code.
      if (message === 'Timeout error.' || message === 'socket hang up') return true;
    }
    e = cause;
  }
  return false;
}

/**
 * ClickHouse codes with which the engine refuses a value of the rows themselves: it cannot parse it,
 * convert it or hold it. The sender's data, not the collector, is at fault (a 400, final).
 */
const INPUT_CLICKHOUSE_CODES = new Set<number>([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  407, // DECIMAL_OVERFLOW
]);

/** Whether storage refused `error`'s insert because of a value in the rows (see above). */
export function isInputRejection(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const numeric =
    typeof code === 'string' && /^\d+$/.test(code)
      ? Number(code)
      : typeof code === 'number'
        ? code
        : typeof message === 'string'
          ? Number(CODE_IN_MESSAGE.exec(message)?.[1])
          : Number.NaN;
  if (INPUT_CLICKHOUSE_CODES.has(numeric)) return true;
  return typeof message === 'string' && PERMANENT_DESPITE_CODE.test(message);
}
