/** One server-sent event. */
export interface SseEvent {
  /** `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** `id:` field, if any. */
  id?: string;
}

/** One line of an event block with the line end that followed it (empty for a last line without one). */
interface SseLine {
  text: string;
  end: string;
  /** The field name, or undefined for a comment. */
  field: string | undefined;
  value: string;
}

/**
 * Reads one complete event block, as framed by `SseEventFramer`, the way the WHATWG event stream
 * parser would: undefined when it dispatches nothing (a comment, a keep-alive, no `data:` line).
 */
export function parseSseEvent(raw: Buffer): SseEvent | undefined {
  const data: string[] = [];
  let type = '';
  let id: string | undefined;
  for (const line of sseLines(raw.toString('utf8'))) {
    if (line.field === 'data') data.push(line.value);
    else if (line.field === 'event') type = line.value;
    else if (line.field === 'id' && !line.value.includes('\u0000')) id = line.value;
  }
  if (data.length === 0) return undefined;
  const event: SseEvent = { event: type || 'message', data: data.join('\n') };
  if (id !== undefined) event.id = id;
  return event;
}

/**
 * The event block with its data replaced by `data` (one line: the proxy only writes serialized JSON,
 * which has no raw line ends). Every other line — `event:`, `id:`, `retry:`, comments — and every line
 * end stays as the server wrote it, so the agent's view of the stream (ids for resumption included)
 * is the same.
 */
export function withSseData(raw: Buffer, data: string): Buffer {
  let out = '';
  let replaced = false;
  for (const line of sseLines(raw.toString('utf8'))) {
    if (line.field !== 'data') out += line.text + line.end;
    else if (!replaced) {
      replaced = true;
      out += `data: ${data}${line.end}`;
    }
  }
  return Buffer.from(out, 'utf8');
}

function* sseLines(text: string): Generator<SseLine> {
  // A byte order mark at the start is skipped, as the WHATWG parser skips it at the start of a stream.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    let end = start;
    while (end < text.length && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d) end++;
    let next = end;
    if (next < text.length)
      next += text.charCodeAt(next) === 0x0d && text.charCodeAt(next + 1) === 0x0a ? 2 : 1;
    const lineText = text.slice(start, end);
    start = next;
    // Empty lines (the blank line that ends the block) carry no field but keep their line end.
    if (lineText === '') {
      yield { text: '', end: text.slice(end, next), field: '', value: '' };
      continue;
    }
    if (lineText.charCodeAt(0) === 0x3a) {
      yield { text: lineText, end: text.slice(end, next), field: undefined, value: '' };
      continue;
    }
    const colon = lineText.indexOf(':');
    const field = colon === -1 ? lineText : lineText.slice(0, colon);
    let value = colon === -1 ? '' : lineText.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    yield { text: lineText, end: text.slice(end, next), field, value };
  }
}
