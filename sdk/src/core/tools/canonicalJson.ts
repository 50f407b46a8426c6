/**
 * JSON with object keys sorted recursively, so two structurally equal values serialize to the same
 * string whatever order their keys were built in. `undefined` members are dropped as JSON.stringify
 * drops them; arrays keep their order (order is meaningful in JSON Schema `enum`, `required`, …).
 *
 * Written with an explicit stack, not recursion: the collector canonicalizes tool definitions that any
 * sender can nest as deep as it likes, and a recursive walk (or JSON.stringify of the whole value)
 * overflows the call stack at a few thousand levels.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Each frame is an array or object being written, and where in it the writer is.
  const stack: Frame[] = [];
  let next: unknown = value;
  let pending = true;
  for (;;) {
    if (pending) {
      pending = false;
      if (Array.isArray(next)) {
        out.push('[');
        stack.push({ array: next, keys: undefined, source: undefined, index: 0 });
      } else if (next !== null && typeof next === 'object') {
        const source = next as Record<string, unknown>;
        out.push('{');
        stack.push({ array: undefined, keys: Object.keys(source).sort(), source, index: 0 });
      } else {
        out.push(JSON.stringify(next) ?? 'null');
      }
    }
    const frame = stack[stack.length - 1];
    if (frame === undefined) break;
    if (frame.array !== undefined) {
      if (frame.index < frame.array.length) {
        if (frame.index > 0) out.push(',');
        next = frame.array[frame.index++];
        // JSON.stringify writes undefined, functions and symbols in arrays as null.
        if (next === undefined || typeof next === 'function' || typeof next === 'symbol') next = null;
        pending = true;
        continue;
      }
      out.push(']');
    } else {
      const keys = frame.keys!;
      const source = frame.source!;
      let advanced = false;
      while (frame.index < keys.length) {
        const key = keys[frame.index++]!;
        const member = source[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        if (out[out.length - 1] !== '{') out.push(',');
        out.push(JSON.stringify(key), ':');
        next = member;
        pending = true;
        advanced = true;
        break;
      }
      if (advanced) continue;
      out.push('}');
    }
    stack.pop();
  }
  return out.join('');
}

interface Frame {
  array: readonly unknown[] | undefined;
  keys: string[] | undefined;
  source: Record<string, unknown> | undefined;
  index: number;
}
