import { ToolAnnotationMemory } from '../core/tools/toolAnnotations.js';
import { ToolSetTracker } from '../core/tools/toolSetTracker.js';

/**
 * What the proxy remembers from the tools/list results of the one server it fronts, shared by all its
 * sessions and handed to each session's recorder (ObserverSetup): the last tool-set fingerprint per
 * server identity (so full definitions are recorded only when they change) and each tool's annotations
 * (copied onto later tools/call spans). The rules are the core's.
 */
export class ToolListMemory {
  /** Few keys: one server, named as its sessions learn it. */
  readonly sets = new ToolSetTracker(16);
  readonly annotations = new ToolAnnotationMemory();
}
