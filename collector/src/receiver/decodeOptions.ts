/** Options shared by the protobuf and JSON decoders. */
export interface DecodeOptions {
  /**
   * Longest attribute value kept, in UTF-8 bytes; longer values are cut at a character boundary.
   * Default 64 KiB: ClickHouse reads a whole Map column to answer one key, so one huge value slows
   * every query touching the span's attributes.
   */
  maxAttributeValueBytes?: number;
}

export const DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES = 64 * 1024;

/**
 * Rough in-memory cost of one decoded row beyond its encoded size (the row object, its maps and
 * arrays), used for queue accounting only.
 */
export const ROW_OVERHEAD_BYTES = 512;

/** The `service.name` used when a resource has none (the OpenTelemetry SDK default). */
export const UNKNOWN_SERVICE = 'unknown_service';
