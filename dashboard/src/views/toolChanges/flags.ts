import type { BadgeTone } from '../../components/Badge.js';

/** How a change flag is shown: injection heuristics are alarms, process smells are warnings. */
export function flagTone(flag: string): BadgeTone {
  if (flag.startsWith('injection:') || flag === 'unapproved') return 'danger';
  if (flag === 'no_version_bump' || flag === 'mid_session') return 'warn';
  return 'neutral';
}

const DESCRIPTIONS: Record<string, string> = {
  no_version_bump: 'The definition changed but the server reported the same version',
  mid_session: 'The definition changed during a session, after the client had listed the tools',
  unapproved:
    'The tool after this change departs from the server’s approved set: changed or new since approval, or an approved tool gone',
  'injection:override_phrase':
    'Contains a phrase that tries to override the agent’s instructions (or an <IMPORTANT> / fake system tag)',
  'injection:concealment': 'Tells the model to keep something from the user or to act without their consent',
  'injection:secret_reference':
    'Points the model at secrets: files such as ~/.ssh/id_rsa or .env, or the user’s keys and tokens',
  'injection:exfiltration':
    'Tells the model to send data away: to a URL, an address or a number, or the conversation into a parameter',
  'injection:tool_reference': 'Tells the model to change how another tool behaves (tool shadowing)',
  'injection:tool_preference': 'Pushes the model to use this tool first or instead of any other',
  'injection:hidden_text': 'Hides text from people: HTML comments or long whitespace padding',
  'injection:encoded_payload': 'Contains base64 or hex that decodes to text, or asks to decode and run it',
  'injection:shell_command': 'Contains a shell one-liner that downloads and runs code',
  'injection:zero_width': 'Contains zero-width or tag characters that hide text from people',
  'injection:bidi': 'Contains bidirectional-override characters that reorder text',
  'injection:control_chars': 'Contains control characters such as terminal escape codes that can hide text',
  'injection:homoglyph': 'Mixes Latin with lookalike Cyrillic or Greek letters (a copy of another name)',
  'injection:annotation_contradiction':
    'Annotations contradict what the name suggests (a delete_ tool marked read-only)',
};

/** A tooltip for a flag; unknown flags explain themselves by name. */
export function flagDescription(flag: string): string {
  return DESCRIPTIONS[flag] ?? flag.replace(/^injection:/, 'possible injection: ').replace(/_/g, ' ');
}
