/**
 * JSON with object keys sorted recursively, so two structurally equal values serialize to the same
 * string whatever order their keys were built in. `undefined` members are dropped as JSON.stringify
 * drops them; arrays keep their order (order is meaningful in JSON Schema `enum`, `required`, …).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    const member = source[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}
