import type { SpanKindName, StatusCodeName } from '../storage/rows.js';

/** `Span.SpanKind` numbers 0..5 as the ClickHouse exporter spells them. */
export const SPAN_KIND_NAMES: readonly SpanKindName[] = [
  'Unspecified',
  'Internal',
  'Server',
  'Client',
  'Producer',
  'Consumer',
];

/** `Status.StatusCode` numbers 0..2 as the ClickHouse exporter spells them. */
export const STATUS_CODE_NAMES: readonly StatusCodeName[] = ['Unset', 'Ok', 'Error'];

const SPAN_KIND_BY_PROTO_NAME: Record<string, SpanKindName> = {
  SPAN_KIND_UNSPECIFIED: 'Unspecified',
  SPAN_KIND_INTERNAL: 'Internal',
  SPAN_KIND_SERVER: 'Server',
  SPAN_KIND_CLIENT: 'Client',
  SPAN_KIND_PRODUCER: 'Producer',
  SPAN_KIND_CONSUMER: 'Consumer',
};

const STATUS_CODE_BY_PROTO_NAME: Record<string, StatusCodeName> = {
  STATUS_CODE_UNSET: 'Unset',
  STATUS_CODE_OK: 'Ok',
  STATUS_CODE_ERROR: 'Error',
};

/** Span kind from its enum number; unknown numbers read as unspecified, as protobuf's open enums do. */
export function spanKindName(value: number): SpanKindName {
  // Only indexes: a name such as "__proto__" or "length" must not reach the array as a key.
  return Number.isInteger(value) ? (SPAN_KIND_NAMES[value] ?? 'Unspecified') : 'Unspecified';
}

/** Status code from its enum number; unknown numbers read as unset. */
export function statusCodeName(value: number): StatusCodeName {
  return Number.isInteger(value) ? (STATUS_CODE_NAMES[value] ?? 'Unset') : 'Unset';
}

/** Span kind from OTLP/JSON, which sends the number but may send the enum value's name. */
export function spanKindFromJson(value: unknown): SpanKindName {
  if (typeof value === 'number') return spanKindName(value);
  if (typeof value === 'string')
    return Object.hasOwn(SPAN_KIND_BY_PROTO_NAME, value)
      ? SPAN_KIND_BY_PROTO_NAME[value]!
      : spanKindName(Number(value));
  return 'Unspecified';
}

/** Status code from OTLP/JSON, number or enum value name. */
export function statusCodeFromJson(value: unknown): StatusCodeName {
  if (typeof value === 'number') return statusCodeName(value);
  if (typeof value === 'string')
    return Object.hasOwn(STATUS_CODE_BY_PROTO_NAME, value)
      ? STATUS_CODE_BY_PROTO_NAME[value]!
      : statusCodeName(Number(value));
  return 'Unset';
}
