/**
 * Text that a person reviewing a tool definition does not see but a model reads: invisible and
 * reordering characters, terminal escape codes, lookalike letters, HTML comments, whitespace padding,
 * Unicode tag characters and base64/hex blobs. Each finder returns what it found; `visibleText` and
 * the decoders give the text the injection rules should read instead. Pure.
 */

// Zero-width and other invisible format characters (soft hyphen, Mongolian vowel separator, word
// joiner, invisible operators, BOM, Hangul fillers), the Unicode tag block (U+E0000–E007F: ASCII
// smuggled as invisible "tags") and the variation selector supplement (bytes smuggled after a glyph).
const ZERO_WIDTH_SOURCE =
  '[\\u200B-\\u200D\\u2060-\\u2064\\uFEFF\\u180E\\u00AD\\u115F\\u1160\\u3164\\uFFA0]|[\\u{E0000}-\\u{E007F}]|[\\u{E0100}-\\u{E01EF}]';
const BIDI_SOURCE = '[\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]';
// C0 controls other than tab, line feed and carriage return, DEL and C1 controls. ESC (U+001B) starts
// the ANSI sequences that can colour text invisible or move the cursor over it in a terminal client.
const CONTROL_SOURCE = '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]';
// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \) and two-character escapes.
const ANSI_SEQUENCE = new RegExp(
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern is about
  '\\u001B(?:\\[[0-?]*[ -/]*[@-~]|\\][^\\u0007\\u001B]*(?:\\u0007|\\u001B\\\\)|[@-Z\\\\-_])',
  'g',
);
const TAG_CHAR = /[\u{E0000}-\u{E007F}]/gu;

export const ZERO_WIDTH = new RegExp(ZERO_WIDTH_SOURCE, 'u');
export const BIDI = new RegExp(BIDI_SOURCE, 'u');
export const CONTROL = new RegExp(CONTROL_SOURCE, 'u');

/** `U+200B U+E0041`: how invisible characters are shown to the reviewer. */
export function codepoints(chars: Iterable<string>): string {
  return [...new Set(chars)]
    .map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`)
    .join(' ');
}

export function matchAll(text: string, source: string): string[] {
  return text.match(new RegExp(source, 'gu')) ?? [];
}

export const zeroWidthChars = (text: string) => matchAll(text, ZERO_WIDTH_SOURCE);
export const bidiChars = (text: string) => matchAll(text, BIDI_SOURCE);
export const controlChars = (text: string) => matchAll(text, CONTROL_SOURCE);

/**
 * The text as the injection rules should read it: escape sequences and invisible characters removed
 * (a word split by a zero-width space must still match), other controls turned into spaces, NFKC
 * folding of compatibility forms (fullwidth letters, ligatures) into plain ones, and runs of spaces and
 * blank lines shortened (padding is reported by {@link whitespacePadding}; the rules need the words).
 */
export function visibleText(text: string): string {
  return text
    .replace(ANSI_SEQUENCE, ' ')
    .replace(new RegExp(ZERO_WIDTH_SOURCE, 'gu'), '')
    .replace(new RegExp(BIDI_SOURCE, 'gu'), '')
    .replace(new RegExp(CONTROL_SOURCE, 'gu'), ' ')
    .normalize('NFKC')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[ \n]*\n ?/g, '\n\n');
}

/** ASCII smuggled in Unicode tag characters (each is U+E0000 plus an ASCII code), or '' if none. */
export function revealTagText(text: string): string {
  const tags = text.match(TAG_CHAR);
  if (!tags) return '';
  return tags
    .map((c) => (c.codePointAt(0) ?? 0) - 0xe0000)
    .filter((code) => code >= 0x20 && code < 0x7f)
    .map((code) => String.fromCharCode(code))
    .join('');
}

// A word that mixes Latin letters with Cyrillic or Greek ones ("sеnd_email" with a Cyrillic е) looks
// like the Latin word to a person and is another string to a program: a lookalike of a trusted name.
const LATIN = /[A-Za-z]/;
const CYRILLIC_GREEK = /[\u0370-\u03FF\u0400-\u04FF\u0500-\u052F]/;

/** Words that mix Latin with Cyrillic or Greek letters. */
export function mixedScriptWords(text: string): string[] {
  const words = text.match(/[\p{L}\p{M}_0-9-]+/gu) ?? [];
  return words.filter((w) => LATIN.test(w) && CYRILLIC_GREEK.test(w));
}

/**
 * HTML comments with words in them: markdown renderers hide them, models read them. An unclosed
 * comment hides the rest of the text. Scanned with indexOf: a lazy regex is quadratic on many "<!--".
 */
export function htmlComments(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('<!--', from);
    if (start < 0) break;
    const close = text.indexOf('-->', start + 4);
    const end = close < 0 ? text.length : close + 3;
    const comment = text.slice(start, end);
    if (/[A-Za-z]{2,}/.test(comment)) out.push(comment);
    if (close < 0) break;
    from = end;
  }
  return out;
}

// Padding that pushes text out of sight in a client that shows one line or truncates: a long run of
// spaces on one line, or many blank lines, with more text after it. 40 spaces is wider than any
// indentation or table alignment the official servers use (the widest run there is 2). Runs are found
// with a greedy match and the character after each is checked by hand: a lookahead inside the regex
// would make a long trailing run quadratic, which a hostile server could use to stall the collector.
const SPACE_RUN = /[ \t\u00A0\u2000-\u200A\u3000]{40,}|(?:\r?\n[ \t]*){8,}/g;

/** The padding and the start of what it hides, or undefined. */
export function whitespacePadding(text: string): string | undefined {
  for (const m of text.matchAll(SPACE_RUN)) {
    const end = m.index + m[0].length;
    const after = text.slice(end, end + 60);
    if (/^\S/.test(after)) return `${m[0].length} whitespace characters, then "${after}"`;
  }
  return undefined;
}

function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  let printable = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) printable++;
  }
  return printable / s.length;
}

// A blob is reported only when it decodes to readable text: identifiers, hashes and binary data
// (a commit SHA, an embedded PNG) decode to bytes that are not, and carry no instruction.
const BASE64_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const HEX_RUN = /\b(?:[0-9a-fA-F]{2}){20,}\b/g;
const MIN_DECODED = 16;

/** Base64 or hex runs that decode to readable text, with the text. */
export function decodedBlobs(text: string): { blob: string; decoded: string }[] {
  const out: { blob: string; decoded: string }[] = [];
  for (const m of text.matchAll(BASE64_RUN)) {
    const blob = m[0];
    // A run of letters alone is a word or an identifier, not an encoding.
    if (!/[0-9+/=_-]/.test(blob) || !/[a-z]/.test(blob) || !/[A-Z]/.test(blob)) continue;
    const decoded = Buffer.from(blob.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
    if (decoded.length >= MIN_DECODED && printableRatio(decoded) >= 0.95 && /[A-Za-z]{3,}/.test(decoded))
      out.push({ blob, decoded });
  }
  for (const m of text.matchAll(HEX_RUN)) {
    const decoded = Buffer.from(m[0], 'hex').toString('latin1');
    if (printableRatio(decoded) >= 0.95 && /[A-Za-z]{3,}/.test(decoded)) out.push({ blob: m[0], decoded });
  }
  return out;
}
