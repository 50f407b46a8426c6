import type { BadgeTone } from '../../components/Badge.js';

/** How a change flag is shown: injection heuristics are alarms, process smells are warnings. */
export function flagTone(flag: string): BadgeTone {
  if (flag.startsWith('injection:')) return 'danger';
  if (flag === 'no_version_bump' || flag === 'mid_session') return 'warn';
  return 'neutral';
}

const DESCRIPTIONS: Record<string, string> = {
  no_version_bump: 'The definition changed but the server reported the same version',
  mid_session: 'The definition changed during a session, after the client had listed the tools',
  'injection:override_phrase':
    'Contains a phrase that tries to override the agent’s instructions (or an <IMPORTANT> tag)',
  'injection:zero_width': 'Contains zero-width characters that hide text from people',
  'injection:bidi': 'Contains bidirectional-override characters that reorder text',
  'injection:secret_reference': 'Refers to secrets such as ~/.ssh, .env or API keys',
  'injection:url': 'Contains a URL',
  'injection:tool_reference': 'Refers to other tools by name',
  'injection:annotation_contradiction':
    'Annotations contradict what the name suggests (a delete_ tool marked read-only)',
};

/** A tooltip for a flag; unknown flags explain themselves by name. */
export function flagDescription(flag: string): string {
  return DESCRIPTIONS[flag] ?? flag.replace(/^injection:/, 'possible injection: ').replace(/_/g, ' ');
}
