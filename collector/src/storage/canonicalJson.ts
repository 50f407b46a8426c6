/**
 * Canonical JSON: object keys sorted recursively, no whitespace, undefined members dropped — the form
 * the SDK fingerprints (sdk/src/tools/canonicalJson.ts), so a stored definition compares and diffs
 * byte for byte whatever key order it arrived in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const v = obj[key];
      if (v === undefined) continue;
      members.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
