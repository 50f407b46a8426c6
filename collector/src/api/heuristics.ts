/**
 * Cheap, local checks of a tool definition for injected instructions ("tool poisoning"): text a model
 * will read as orders — to override its instructions, hide things from the user, reach for secrets,
 * send data away, rewrite how other tools behave or favour this tool — plus text hidden from the
 * person reviewing it, and annotations that lie about what the tool does. They are hints for a human
 * reviewing a tool-definition change; nothing is blocked. Every string of the definition is read
 * (descriptions, titles, property names, defaults, enums, output schemas), as the model reads it.
 * Pure: no I/O, no model. Precision and recall on a labelled set of real and malicious definitions:
 * test/fixtures/tool-definitions/README.md.
 */
import {
  bidiChars,
  codepoints,
  controlChars,
  decodedBlobs,
  htmlComments,
  mixedScriptWords,
  revealTagText,
  visibleText,
  whitespacePadding,
  zeroWidthChars,
} from './hiddenText.js';
import { matchSentence, ruleContext, sentences } from './injectionRules.js';

/** Flag names, as they appear in `ToolChange.flags` (the dashboard explains each). */
export const INJECTION_FLAGS = [
  'injection:override_phrase',
  'injection:concealment',
  'injection:secret_reference',
  'injection:exfiltration',
  'injection:tool_reference',
  'injection:tool_preference',
  'injection:hidden_text',
  'injection:encoded_payload',
  'injection:shell_command',
  'injection:zero_width',
  'injection:bidi',
  'injection:control_chars',
  'injection:homoglyph',
  'injection:annotation_contradiction',
] as const;
export type InjectionFlag = (typeof INJECTION_FLAGS)[number];

export interface Finding {
  flag: InjectionFlag;
  /** What matched, shortened, for the reviewer (invisible characters shown as U+XXXX). */
  evidence: string;
}

export interface HeuristicContext {
  /** Names of the other tools of the same server: instructions about them may shadow them. */
  otherTools?: readonly string[];
}

const DESTRUCTIVE_VERBS = new Set([
  'delete',
  'remove',
  'drop',
  'destroy',
  'erase',
  'purge',
  'wipe',
  'truncate',
  'kill',
  'rm',
  'del',
  'reset',
  'overwrite',
]);

// Schema keywords whose string values are identifiers, not text a model reads as prose.
const IDENTIFIER_KEYS = new Set(['$schema', '$id', '$ref', 'type', 'format', 'pattern']);

/** Every string in a JSON value, keys included (property names reach the model too). */
function strings(v: unknown, out: string[], key?: string): void {
  if (typeof v === 'string') {
    if (key === undefined || !IDENTIFIER_KEYS.has(key)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) strings(x, out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.push(k);
      strings(x, out, k);
    }
  }
}

/** Names of schema properties, at any depth (`properties` of nested objects and array items too). */
function propertyNames(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) propertyNames(x, out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'properties' && x && typeof x === 'object' && !Array.isArray(x)) {
        for (const name of Object.keys(x)) out.add(name);
      }
      propertyNames(x, out);
    }
  }
}

/** Splits `delete_file`, `deleteFile`, `files.remove` into lowercase words. */
export function nameWords(name: string): string[] {
  return name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function parseDefinition(definition: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof definition !== 'string') return definition;
  try {
    const parsed: unknown = JSON.parse(definition);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return { description: definition };
  }
}

/**
 * Runs every heuristic on one tool definition (its canonical JSON, or an object). The tool's own name
 * is not text to check for instructions: it is what the definition is about; its characters are
 * checked.
 */
export function inspectToolDefinition(
  definition: string | Record<string, unknown>,
  ctx: HeuristicContext = {},
): Finding[] {
  const def = parseDefinition(definition);
  const name = typeof def['name'] === 'string' ? def['name'] : '';
  const { name: _own, annotations, ...rest } = def;
  const texts: string[] = [];
  strings(rest, texts);
  // Annotation titles are text too; the hints themselves are checked below.
  if (annotations && typeof annotations === 'object') {
    const title = (annotations as Record<string, unknown>)['title'];
    if (typeof title === 'string') texts.push(title);
  }
  const params = new Set<string>();
  propertyNames(rest, params);
  const ruleCtx = ruleContext(name, ctx.otherTools ?? [], [...params]);

  const findings: Finding[] = [];
  const add = (flag: InjectionFlag, evidence: string) => {
    if (!findings.some((f) => f.flag === flag && f.evidence === evidence)) findings.push({ flag, evidence });
  };
  /** The wording rules, on text the model reads; `via` says where hidden text came from. */
  const readAsModel = (text: string, via = '') => {
    for (const sentence of sentences(text)) {
      for (const m of matchSentence(sentence, ruleCtx)) add(m.flag, `${via}${m.evidence}`);
    }
  };

  for (const text of texts) {
    const zw = zeroWidthChars(text);
    if (zw.length) add('injection:zero_width', clip(codepoints(zw)));
    const bidi = bidiChars(text);
    if (bidi.length) add('injection:bidi', codepoints(bidi));
    const control = controlChars(text);
    if (control.length) add('injection:control_chars', codepoints(control));
    for (const word of mixedScriptWords(text)) add('injection:homoglyph', word);
    for (const comment of htmlComments(text)) add('injection:hidden_text', clip(comment));
    const padding = whitespacePadding(text);
    if (padding) add('injection:hidden_text', clip(padding));

    const visible = visibleText(text);
    readAsModel(visible);
    // Property names are read as words too: `content_from_reading_ssh_id_rsa`.
    if (/^[A-Za-z][\w-]*$/.test(visible) && /[_-]|[a-z][A-Z]/.test(visible))
      readAsModel(nameWords(visible).join(' '));
    const tagged = revealTagText(text);
    if (tagged) readAsModel(tagged, 'hidden: ');
    for (const { blob, decoded } of decodedBlobs(visible)) {
      add('injection:encoded_payload', clip(`${blob.slice(0, 24)}… = "${decoded}"`));
      readAsModel(decoded, 'decoded: ');
    }
  }
  // The name itself may carry hidden characters or lookalike letters (a copy of another tool's name).
  const nameZw = zeroWidthChars(name);
  if (nameZw.length) add('injection:zero_width', `name: ${codepoints(nameZw)}`);
  const nameBidi = bidiChars(name);
  if (nameBidi.length) add('injection:bidi', `name: ${codepoints(nameBidi)}`);
  for (const word of mixedScriptWords(name)) add('injection:homoglyph', `name: ${word}`);

  if (annotations && typeof annotations === 'object') {
    const a = annotations as Record<string, unknown>;
    const destructiveName = nameWords(name).some((w) => DESTRUCTIVE_VERBS.has(w));
    if (destructiveName && a['readOnlyHint'] === true)
      add('injection:annotation_contradiction', `${name}: readOnlyHint true`);
    if (destructiveName && a['destructiveHint'] === false)
      add('injection:annotation_contradiction', `${name}: destructiveHint false`);
  }
  return findings;
}

/** The distinct flags of a list of findings, in a stable order. */
export function flagsOf(findings: readonly Finding[]): InjectionFlag[] {
  return [...new Set(findings.map((f) => f.flag))].sort();
}
