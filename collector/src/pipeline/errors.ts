/**
 * Why the pipeline refused or failed a request. The receiver maps each to an HTTP status: the OTLP
 * specification makes 429 and 503 retryable (the exporter keeps the data and tries again after
 * `Retry-After`), and every other failure final.
 */
export type PipelineErrorCode = 'QUEUE_FULL' | 'STORAGE_UNAVAILABLE' | 'STORAGE_REJECTED';

/** Base of the pipeline's errors: `code` says which, `retryable` whether the sender should try again. */
export abstract class PipelineError extends Error {
  abstract readonly code: PipelineErrorCode;
  abstract readonly retryable: boolean;
}

/** The bounded queue has no room for the request: the sender should retry later (HTTP 429). */
export class QueueFullError extends PipelineError {
  override readonly name = 'QueueFullError';
  readonly code = 'QUEUE_FULL';
  readonly retryable = true;
  constructor(
    message: string,
    /** Suggested wait before retrying, sent as `Retry-After`. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Storing failed after the retries were spent, or the collector is closing (HTTP 503, retryable). */
export class StorageUnavailableError extends PipelineError {
  override readonly name = 'StorageUnavailableError';
  readonly code = 'STORAGE_UNAVAILABLE';
  readonly retryable = true;
  constructor(
    message: string,
    /** Suggested wait before retrying, sent as `Retry-After`. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Storage refused the request's rows for a reason retrying cannot fix (final). */
export class StorageRejectedError extends PipelineError {
  override readonly name = 'StorageRejectedError';
  readonly code = 'STORAGE_REJECTED';
  readonly retryable = false;
  /** The engine committed part of the insert before refusing the rest (a materialized view failed). */
  readonly partlyCommitted: boolean;
  /** What storage refused is the rows themselves (a value it cannot parse or hold): the sender's. */
  readonly inputFault: boolean;
  constructor(
    message: string,
    options?: { cause?: unknown; partlyCommitted?: boolean; inputFault?: boolean },
  ) {
    super(message, options);
    this.partlyCommitted = options?.partlyCommitted ?? false;
    this.inputFault = options?.inputFault ?? false;
  }
}
