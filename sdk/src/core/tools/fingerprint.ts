import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';

/** The parts of an MCP tool definition that are pinned: everything a model or a user can see. */
export interface ToolDefinition {
  name: string;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
  _meta?: unknown;
}

/** One tool with its own fingerprint, as recorded in `mcpscope.tools.definitions`. */
export interface ToolFingerprint {
  name: string;
  /** SHA-256 hex of the canonical JSON of {@link definition}. */
  fingerprint: string;
  definition: ToolDefinition;
}

/** The fingerprint of a whole `tools/list` result. */
export interface ToolSetFingerprint {
  /** SHA-256 hex of the canonical JSON of the tool set (the definitions sorted by name). */
  fingerprint: string;
  count: number;
  tools: ToolFingerprint[];
}

/**
 * The fields of a tool's definition besides its name, in the order a diff shows them: what a fingerprint
 * covers and what a pin holds.
 */
export const DEFINITION_FIELDS = [
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
  '_meta',
] as const;

const DEFINITION_KEYS = ['name', ...DEFINITION_FIELDS] as const;

/**
 * Keeps only the pinned fields of a tool as it came over the wire. Other fields (e.g. `execution`)
 * are left out so that an SDK upgrade that adds a field does not look like a rug pull.
 */
export function toolDefinition(tool: Record<string, unknown>): ToolDefinition {
  const definition: Record<string, unknown> = {};
  for (const key of DEFINITION_KEYS) {
    if (tool[key] !== undefined) definition[key] = tool[key];
  }
  definition['name'] = typeof tool['name'] === 'string' ? tool['name'] : String(tool['name']);
  return definition as unknown as ToolDefinition;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Fingerprints one tool as listed (undefined for an entry that is not an object). */
export function fingerprintTool(tool: unknown): ToolFingerprint | undefined {
  if (tool === null || typeof tool !== 'object') return undefined;
  const definition = toolDefinition(tool as Record<string, unknown>);
  return { name: definition.name, fingerprint: sha256Hex(canonicalJson(definition)), definition };
}

/**
 * Fingerprints a tool set. The set fingerprint is over the definitions sorted by name, so a server that
 * lists the same tools in a different order keeps its fingerprint.
 */
export function fingerprintTools(tools: readonly unknown[]): ToolSetFingerprint {
  const entries: ToolFingerprint[] = [];
  for (const tool of tools) {
    const entry = fingerprintTool(tool);
    if (entry !== undefined) entries.push(entry);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const fingerprint = sha256Hex(canonicalJson(entries.map((entry) => entry.definition)));
  return { fingerprint, count: entries.length, tools: entries };
}
