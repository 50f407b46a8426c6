/**
 * Rules kept in git: `MCPSCOPE_ALERT_RULES=path` names a YAML or JSON file (YAML is a superset of JSON,
 * so one parser reads both) holding a list of rules, or `{ rules: [...] }`. Each rule has the shape of
 * `POST /api/alert-rules`. At start the file is the truth for the rules it defines: a rule's id derives
 * from its name, so a restart updates it in place (keeping its mute and firing state) instead of adding
 * a copy; a rule removed from the file is deleted. Rules created over the API are left alone.
 *
 * An invalid file stops the collector with a message naming the file, the rule and the field: a rule
 * that silently failed to load is an alert that never pages.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AlertRuleError, fileRuleId, MAX_RULES, parseRuleDefinition } from './rule.js';
import type { AlertStore, StoredRule } from './store.js';
import type { AlertRuleDefinition } from './types.js';

/** Reads and validates the rules of a file. Throws an {@link AlertRuleError} on any problem. */
export function readRulesFile(path: string): AlertRuleDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AlertRuleError(`alert rules file ${path}: cannot read it (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new AlertRuleError(`alert rules file ${path}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  const list =
    doc === null || doc === undefined
      ? []
      : Array.isArray(doc)
        ? doc
        : typeof doc === 'object' && Array.isArray((doc as { rules?: unknown }).rules)
          ? (doc as { rules: unknown[] }).rules
          : undefined;
  if (list === undefined)
    throw new AlertRuleError(`alert rules file ${path}: expected a list of rules, or an object with "rules"`);
  if (list.length > MAX_RULES)
    throw new AlertRuleError(`alert rules file ${path}: ${list.length} rules, the most kept is ${MAX_RULES}`);
  const names = new Set<string>();
  return list.map((item, i) => {
    const label =
      typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string'
        ? ` ("${(item as { name: string }).name}")`
        : '';
    const def = parseRuleDefinition(item, `alert rules file ${path}: rules[${i}]${label}`);
    if (names.has(def.name))
      throw new AlertRuleError(
        `alert rules file ${path}: rules[${i}]: the name "${def.name}" is used twice (a file rule's id comes from its name)`,
      );
    names.add(def.name);
    return def;
  });
}

/** The definition part of a stored rule, in the order parseRuleDefinition writes it. */
function definitionOf(rule: StoredRule): string {
  const { id: _id, source: _s, mutedUntil: _m, createdAt: _c, updatedAt: _u, ...def } = rule;
  return JSON.stringify(parseRuleDefinition(def));
}

export interface SyncResult {
  added: number;
  updated: number;
  removed: number;
}

/** Makes the stored file rules match `defs`: adds, updates in place, deletes what the file dropped. */
export async function syncFileRules(
  store: AlertStore,
  defs: readonly AlertRuleDefinition[],
  nowMs = Date.now(),
): Promise<SyncResult> {
  const existing = (await store.listRules()).value;
  const byId = new Map(existing.map((r) => [r.id, r]));
  const writes: StoredRule[] = [];
  const ids = new Set<string>();
  let added = 0;
  for (const def of defs) {
    const id = fileRuleId(def.name);
    ids.add(id);
    const prev = byId.get(id);
    if (!prev) {
      writes.push({ ...def, id, source: 'file', mutedUntil: null, createdAt: nowMs, updatedAt: nowMs });
      added++;
    } else if (definitionOf(prev) !== JSON.stringify(def) || prev.source !== 'file') {
      writes.push({
        ...def,
        id,
        source: 'file',
        mutedUntil: prev.mutedUntil,
        createdAt: prev.createdAt,
        updatedAt: nowMs,
      });
    }
  }
  const dropped = existing.filter((r) => r.source === 'file' && !ids.has(r.id));
  const apiCount = existing.filter((r) => r.source !== 'file').length;
  if (apiCount + ids.size > MAX_RULES)
    throw new AlertRuleError(
      `alert rules: ${ids.size} from the file and ${apiCount} from the API, the most kept is ${MAX_RULES}`,
    );
  await store.putRules(writes);
  await store.deleteRules(dropped);
  return { added, updated: writes.length - added, removed: dropped.length };
}
