/**
 * Cheap, local checks of a tool definition for injected instructions ("tool poisoning"): text a model
 * will read as orders, pointers to secrets or other tools, hidden characters, and annotations that lie
 * about what the tool does. They are hints for a human reviewing a tool-definition change — false
 * positives are expected, nothing is blocked. Pure: no I/O, no model.
 */

/** Flag names, as they appear in `ToolChange.flags`. */
export type InjectionFlag =
  | 'injection:override_phrase'
  | 'injection:tool_reference'
  | 'injection:secret_reference'
  | 'injection:url'
  | 'injection:zero_width'
  | 'injection:bidi'
  | 'injection:annotation_contradiction';

export interface Finding {
  flag: InjectionFlag;
  /** What matched, shortened, for the reviewer (invisible characters shown as U+XXXX). */
  evidence: string;
}

export interface HeuristicContext {
  /** Names of the other tools of the same server: a description that names them may steer their use. */
  otherTools?: readonly string[];
}

// Phrases that address the model rather than describe the tool. Each is specific enough that a normal
// description does not contain it; "<IMPORTANT>" is the marker of the published tool-poisoning examples.
const OVERRIDE_PATTERNS: readonly RegExp[] = [
  /\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|earlier|preceding|other|system)\s+(instructions?|prompts?|messages?|rules|directions)/i,
  /\bdo\s+not\s+(tell|inform|mention|reveal|show|notify)\b[^.]{0,40}\buser\b/i,
  /\bdon'?t\s+(tell|inform|mention|reveal|show|notify)\b[^.]{0,40}\buser\b/i,
  /\bwithout\s+(telling|informing|notifying|asking)\s+(the\s+)?user\b/i,
  /\b(the\s+)?user\s+(must|should)\s+not\s+(know|see|be\s+told)\b/i,
  /<\s*\/?\s*(important|system|instructions?|admin|secret)\s*>/i,
  /\byou\s+are\s+now\b/i,
  /\bnew\s+instructions?\s*:/i,
  /\b(this|these)\s+instructions?\s+(override|supersede|take\s+precedence)/i,
];

const SECRET_PATTERN =
  /~\/\.ssh\b|\.ssh\/|\bid_(rsa|dsa|ecdsa|ed25519)\b|(^|[\s"'`(/=])\.env\b|\bcredentials?\b|\bapi[\s_-]?keys?\b|\bapikey\b|\bprivate[\s_-]?keys?\b|\bsecret[\s_-]?keys?\b|\baccess[\s_-]?tokens?\b|\.aws\/|\.npmrc\b|\.netrc\b|\/etc\/(passwd|shadow)\b|\.kube\/config\b|\bmcp\.json\b/i;

const URL_PATTERN = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>)\]]+/gi;
// Schema dialect identifiers are URLs by convention and carry no instruction.
const BENIGN_URL = /^https?:\/\/json-schema\.org\//i;

const ZERO_WIDTH = /[\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u00AD]|[\u{E0000}-\u{E007F}]/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

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

function codepoints(s: string): string {
  return [...s]
    .map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`)
    .join(' ');
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Every string in a JSON value, keys included (property names reach the model too). */
function strings(v: unknown, out: string[], key?: string): void {
  if (typeof v === 'string') {
    if (key !== '$schema' && key !== '$id') out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) strings(x, out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.push(k);
      strings(x, out, k);
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs every heuristic on one tool definition (its canonical JSON, or an object). The tool's own name
 * is not text to check: it is what the definition is about.
 */
export function inspectToolDefinition(
  definition: string | Record<string, unknown>,
  ctx: HeuristicContext = {},
): Finding[] {
  let def: Record<string, unknown>;
  if (typeof definition === 'string') {
    try {
      const parsed: unknown = JSON.parse(definition);
      def =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : {};
    } catch {
      def = { description: definition };
    }
  } else {
    def = definition;
  }
  const name = typeof def['name'] === 'string' ? def['name'] : '';
  const { name: _own, annotations, ...rest } = def;
  const texts: string[] = [];
  strings(rest, texts);
  // Annotation titles are text too; the hints themselves are checked below.
  if (annotations && typeof annotations === 'object') {
    const title = (annotations as Record<string, unknown>)['title'];
    if (typeof title === 'string') texts.push(title);
  }
  const findings: Finding[] = [];
  const add = (flag: InjectionFlag, evidence: string) => {
    if (!findings.some((f) => f.flag === flag && f.evidence === evidence)) findings.push({ flag, evidence });
  };

  for (const text of texts) {
    for (const re of OVERRIDE_PATTERNS) {
      const m = re.exec(text);
      if (m) add('injection:override_phrase', clip(m[0]));
    }
    const secret = SECRET_PATTERN.exec(text);
    if (secret) add('injection:secret_reference', clip(secret[0].trim()));
    for (const m of text.matchAll(URL_PATTERN)) {
      if (!BENIGN_URL.test(m[0])) add('injection:url', clip(m[0]));
    }
    const zw = text.match(new RegExp(ZERO_WIDTH.source, 'gu'));
    if (zw) add('injection:zero_width', codepoints([...new Set(zw)].join('')));
    const bidi = text.match(new RegExp(BIDI.source, 'g'));
    if (bidi) add('injection:bidi', codepoints([...new Set(bidi)].join('')));
    for (const other of ctx.otherTools ?? []) {
      if (other === name || other.length < 3) continue;
      if (new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(other)}($|[^A-Za-z0-9_])`).test(text)) {
        add('injection:tool_reference', other);
      }
    }
  }
  // The name itself may carry hidden characters (a lookalike of another tool).
  if (ZERO_WIDTH.test(name))
    add(
      'injection:zero_width',
      `name: ${codepoints(name.match(new RegExp(ZERO_WIDTH.source, 'gu'))?.join('') ?? '')}`,
    );
  if (BIDI.test(name))
    add('injection:bidi', `name: ${codepoints(name.match(new RegExp(BIDI.source, 'g'))?.join('') ?? '')}`);

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
