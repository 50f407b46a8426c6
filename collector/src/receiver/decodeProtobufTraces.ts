import { validateSpan } from '../pipeline/validateSpan.js';
import type { DecodedRequest, RejectedSpan, SpanRow } from '../storage/rows.js';
import { SpanRejection } from './decodeError.js';
import {
  DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
  ROW_OVERHEAD_BYTES,
  UNKNOWN_SERVICE,
  type DecodeOptions,
} from './decodeOptions.js';
import { MAX_TIME_HIGH_WORD, storedTime, uint64DifferenceToDecimal, uint64ToDecimal } from './nanos.js';
import { spanKindName, statusCodeName } from './otlpEnums.js';
import { NAMES, OtlpProtobufReader, asBuffer, decodeWhole } from './protobufReader.js';

// Wire tags, (field number << 3) | wire type, of the messages in opentelemetry-proto's
// collector/trace/v1/trace_service.proto, trace/v1/trace.proto and resource/v1/resource.proto (those
// of common/v1/common.proto are in protobufReader.ts). Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
// A known field arriving with another wire type is skipped like an unknown field.
const T_REQUEST_RESOURCE_SPANS = (1 << 3) | 2;
const T_RESOURCE_SPANS_RESOURCE = (1 << 3) | 2;
const T_RESOURCE_SPANS_SCOPE_SPANS = (2 << 3) | 2;
const T_RESOURCE_ATTRIBUTES = (1 << 3) | 2;
const T_SCOPE_SPANS_SCOPE = (1 << 3) | 2;
const T_SCOPE_SPANS_SPANS = (2 << 3) | 2;
const T_SCOPE_NAME = (1 << 3) | 2;
const T_SCOPE_VERSION = (2 << 3) | 2;
const T_SPAN_TRACE_ID = (1 << 3) | 2;
const T_SPAN_SPAN_ID = (2 << 3) | 2;
const T_SPAN_TRACE_STATE = (3 << 3) | 2;
const T_SPAN_PARENT_SPAN_ID = (4 << 3) | 2;
const T_SPAN_NAME = (5 << 3) | 2;
const T_SPAN_KIND = (6 << 3) | 0;
const T_SPAN_START = (7 << 3) | 1;
const T_SPAN_END = (8 << 3) | 1;
const T_SPAN_ATTRIBUTES = (9 << 3) | 2;
const T_SPAN_EVENTS = (11 << 3) | 2;
const T_SPAN_LINKS = (13 << 3) | 2;
const T_SPAN_STATUS = (15 << 3) | 2;
const T_EVENT_TIME = (1 << 3) | 1;
const T_EVENT_NAME = (2 << 3) | 2;
const T_EVENT_ATTRIBUTES = (3 << 3) | 2;
const T_LINK_TRACE_ID = (1 << 3) | 2;
const T_LINK_SPAN_ID = (2 << 3) | 2;
const T_LINK_TRACE_STATE = (3 << 3) | 2;
const T_LINK_ATTRIBUTES = (4 << 3) | 2;
const T_STATUS_MESSAGE = (2 << 3) | 2;
const T_STATUS_CODE = (3 << 3) | 0;

const EMPTY_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_MAPS = Object.freeze([]) as unknown as Record<string, string>[];

interface SpanEvents {
  times: string[];
  names: string[];
  attributes: Record<string, string>[];
}

interface SpanLinks {
  traceIds: string[];
  spanIds: string[];
  traceStates: string[];
  attributes: Record<string, string>[];
}

/**
 * Decodes a protobuf `ExportTraceServiceRequest` straight into span rows with protobufjs's `Reader`:
 * no intermediate message objects, ids hex-encoded from the buffer, 64-bit times read as two 32-bit
 * halves and printed in decimal without precision loss. Invalid spans are set aside in `rejected`
 * while their neighbours are kept; a body that is not such a message throws `OtlpDecodeError`.
 *
 * The rows of one resource share one `ResourceAttributes` object, and rows without events or links
 * share frozen empty arrays: treat rows as read-only.
 */
export function decodeProtobufTraces(body: Uint8Array, options: DecodeOptions = {}): DecodedRequest {
  const decoder = new ProtobufTraceDecoder(
    asBuffer(body),
    options.maxAttributeValueBytes ?? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
  );
  decodeWhole('ExportTraceServiceRequest', () => decoder.decodeRequest());
  return { rows: decoder.rows, rejected: decoder.rejected, bytes: decoder.bytes };
}

class ProtobufTraceDecoder extends OtlpProtobufReader {
  readonly rows: SpanRow[] = [];
  readonly rejected: RejectedSpan[] = [];
  bytes = 0;

  decodeRequest(): void {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === T_REQUEST_RESOURCE_SPANS) this.decodeResourceSpans(this.messageEnd(r.len));
      else this.skip(tag);
    }
  }

  private decodeResourceSpans(end: number): void {
    const r = this.r;
    const first = this.rows.length;
    let serviceName = UNKNOWN_SERVICE;
    let attributes: Record<string, string> = EMPTY_ATTRIBUTES;
    let resourceRejection: RejectedSpan | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_RESOURCE_SPANS_SCOPE_SPANS) this.decodeScopeSpans(this.messageEnd(end));
      else if (tag === T_RESOURCE_SPANS_RESOURCE) {
        const resourceEnd = this.messageEnd(end);
        if (attributes === EMPTY_ATTRIBUTES) attributes = {};
        try {
          while (r.pos < resourceEnd) {
            const t = r.uint32();
            if (t === T_RESOURCE_ATTRIBUTES) this.decodeKeyValue(this.messageEnd(resourceEnd), attributes);
            else this.skip(t);
          }
        } catch (error) {
          if (!(error instanceof SpanRejection)) throw error;
          // The resource breaks a limit: every span of it is refused, the other resources are kept.
          r.pos = resourceEnd;
          resourceRejection = error.rejected;
        }
        this.checkEnd(resourceEnd, 'Resource');
        serviceName = attributes['service.name'] ?? UNKNOWN_SERVICE;
      } else this.skip(tag);
    }
    this.checkEnd(end, 'ResourceSpans');
    if (resourceRejection !== undefined) {
      for (let i = first; i < this.rows.length; i++) this.rejected.push(resourceRejection);
      this.rows.length = first;
      return;
    }
    // Protobuf fields may come in any order: the resource is applied once the whole message is read.
    for (let i = first; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      row.ServiceName = serviceName;
      row.ResourceAttributes = attributes;
    }
  }

  private decodeScopeSpans(end: number): void {
    const r = this.r;
    const first = this.rows.length;
    let scopeName = '';
    let scopeVersion = '';
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_SCOPE_SPANS_SPANS) this.decodeSpan(this.messageEnd(end));
      else if (tag === T_SCOPE_SPANS_SCOPE) {
        const scopeEnd = this.messageEnd(end);
        while (r.pos < scopeEnd) {
          const t = r.uint32();
          if (t === T_SCOPE_NAME) scopeName = this.string(scopeEnd);
          else if (t === T_SCOPE_VERSION) scopeVersion = this.string(scopeEnd);
          else this.skip(t);
        }
        this.checkEnd(scopeEnd, 'InstrumentationScope');
      } else this.skip(tag);
    }
    this.checkEnd(end, 'ScopeSpans');
    if (scopeName === '' && scopeVersion === '') return;
    for (let i = first; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      row.ScopeName = scopeName;
      row.ScopeVersion = scopeVersion;
    }
  }

  private decodeSpan(end: number): void {
    const r = this.r;
    const start = r.pos;
    let traceId = '';
    let spanId = '';
    let parentSpanId = '';
    let traceState = '';
    let name = '';
    let kind = 0;
    let startLow = 0;
    let startHigh = 0;
    let endLow = 0;
    let endHigh = 0;
    let statusCode = 0;
    let statusMessage = '';
    const attributes: Record<string, string> = {};
    // Most spans have no events and no links: their columns share frozen empty arrays.
    let events: SpanEvents | undefined;
    let links: SpanLinks | undefined;
    let eventTimeTooLate = false;

    try {
      while (r.pos < end) {
        const tag = r.uint32();
        switch (tag) {
          case T_SPAN_TRACE_ID:
            traceId = this.hex(end);
            break;
          case T_SPAN_SPAN_ID:
            spanId = this.hex(end);
            break;
          case T_SPAN_TRACE_STATE:
            traceState = this.string(end);
            break;
          case T_SPAN_PARENT_SPAN_ID:
            parentSpanId = this.hex(end);
            break;
          case T_SPAN_NAME:
            name = this.cachedString(end, NAMES);
            break;
          case T_SPAN_KIND:
            kind = r.uint32();
            break;
          case T_SPAN_START:
            startLow = r.fixed32();
            startHigh = r.fixed32();
            break;
          case T_SPAN_END:
            endLow = r.fixed32();
            endHigh = r.fixed32();
            break;
          case T_SPAN_ATTRIBUTES:
            this.decodeKeyValue(this.messageEnd(end), attributes);
            break;
          case T_SPAN_EVENTS: {
            const eventEnd = this.messageEnd(end);
            let timeLow = 0;
            let timeHigh = 0;
            let eventName = '';
            const attrs: Record<string, string> = {};
            while (r.pos < eventEnd) {
              const t = r.uint32();
              if (t === T_EVENT_TIME) {
                timeLow = r.fixed32();
                timeHigh = r.fixed32();
              } else if (t === T_EVENT_NAME) eventName = this.string(eventEnd);
              else if (t === T_EVENT_ATTRIBUTES) this.decodeKeyValue(this.messageEnd(eventEnd), attrs);
              else this.skip(t);
            }
            this.checkEnd(eventEnd, 'Span.Event');
            events ??= { times: [], names: [], attributes: [] };
            if (timeHigh > MAX_TIME_HIGH_WORD) eventTimeTooLate = true;
            // '' marks an event without a time: it takes the span's start once that is known.
            events.times.push(
              timeLow === 0 && timeHigh === 0 ? '' : storedTime(uint64ToDecimal(timeLow, timeHigh)),
            );
            events.names.push(eventName);
            events.attributes.push(attrs);
            break;
          }
          case T_SPAN_LINKS: {
            const linkEnd = this.messageEnd(end);
            let linkTraceId = '';
            let linkSpanId = '';
            let linkTraceState = '';
            const attrs: Record<string, string> = {};
            while (r.pos < linkEnd) {
              const t = r.uint32();
              if (t === T_LINK_TRACE_ID) linkTraceId = this.hex(linkEnd);
              else if (t === T_LINK_SPAN_ID) linkSpanId = this.hex(linkEnd);
              else if (t === T_LINK_TRACE_STATE) linkTraceState = this.string(linkEnd);
              else if (t === T_LINK_ATTRIBUTES) this.decodeKeyValue(this.messageEnd(linkEnd), attrs);
              else this.skip(t);
            }
            this.checkEnd(linkEnd, 'Span.Link');
            links ??= { traceIds: [], spanIds: [], traceStates: [], attributes: [] };
            links.traceIds.push(linkTraceId);
            links.spanIds.push(linkSpanId);
            links.traceStates.push(linkTraceState);
            links.attributes.push(attrs);
            break;
          }
          case T_SPAN_STATUS: {
            const statusEnd = this.messageEnd(end);
            while (r.pos < statusEnd) {
              const t = r.uint32();
              if (t === T_STATUS_MESSAGE) statusMessage = this.string(statusEnd);
              else if (t === T_STATUS_CODE) statusCode = r.uint32();
              else this.skip(t);
            }
            this.checkEnd(statusEnd, 'Status');
            break;
          }
          default:
            this.skip(tag);
        }
      }
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      // This span broke a limit: refuse it and go on after it (its extent is known).
      r.pos = end;
      this.rejected.push(error.rejected);
      return;
    }
    this.checkEnd(end, 'Span');

    // An all-zero parent is how some senders spell "no parent".
    if (parentSpanId === '0000000000000000') parentSpanId = '';
    const startMissing = startLow === 0 && startHigh === 0;
    const endBeforeStart = endHigh < startHigh || (endHigh === startHigh && endLow < startLow);
    const timeError =
      startHigh > MAX_TIME_HIGH_WORD
        ? 'start_time_unix_nano is after 2106-02-07, the latest time storage holds'
        : endHigh > MAX_TIME_HIGH_WORD
          ? 'end_time_unix_nano is after 2106-02-07, the latest time storage holds'
          : eventTimeTooLate
            ? 'an event time_unix_nano is after 2106-02-07, the latest time storage holds'
            : undefined;
    const invalid = validateSpan(
      traceId,
      spanId,
      parentSpanId,
      name,
      startMissing,
      endBeforeStart,
      timeError,
    );
    if (invalid) {
      this.rejected.push(invalid);
      return;
    }
    this.bytes += end - start + ROW_OVERHEAD_BYTES;
    const timestamp = storedTime(uint64ToDecimal(startLow, startHigh));
    if (events !== undefined) {
      const times = events.times;
      for (let i = 0; i < times.length; i++) if (times[i] === '') times[i] = timestamp;
    }
    this.rows.push({
      Timestamp: timestamp,
      TraceId: traceId,
      SpanId: spanId,
      ParentSpanId: parentSpanId,
      TraceState: traceState,
      SpanName: name,
      SpanKind: spanKindName(kind),
      ServiceName: UNKNOWN_SERVICE,
      ResourceAttributes: EMPTY_ATTRIBUTES,
      ScopeName: '',
      ScopeVersion: '',
      SpanAttributes: attributes,
      Duration: uint64DifferenceToDecimal(startLow, startHigh, endLow, endHigh),
      StatusCode: statusCodeName(statusCode),
      StatusMessage: statusMessage,
      'Events.Timestamp': events?.times ?? NO_STRINGS,
      'Events.Name': events?.names ?? NO_STRINGS,
      'Events.Attributes': events?.attributes ?? NO_MAPS,
      'Links.TraceId': links?.traceIds ?? NO_STRINGS,
      'Links.SpanId': links?.spanIds ?? NO_STRINGS,
      'Links.TraceState': links?.traceStates ?? NO_STRINGS,
      'Links.Attributes': links?.attributes ?? NO_MAPS,
    });
  }
}
