// Pin files: approve a server's tool definitions, then compare what it lists with them. The format and
// the comparison are pure; `runPinCli` loads the MCP SDK client only when it runs.
export {
  createPinFile,
  formatPinFile,
  parsePinFile,
  PIN_FILE_VERSION,
  PinFileError,
  readPinFile,
  validatePinFile,
  writePinFile,
} from './pinFile.js';
export type { PinFile, PinnedServer, PinnedTool } from './pinFile.js';
export { isPinsUrl, loadPins } from './loadPins.js';
export type { LoadPinsOptions } from './loadPins.js';
export {
  changedFields,
  comparePins,
  DEFINITION_FIELDS,
  isClean,
  PinIndex,
  worseStatus,
} from '../core/pins/compare.js';
export type { ListedToolStatus, PinComparison, PinStatus, ToolComparison } from '../core/pins/compare.js';
export { PIN_ERROR_CODE } from '../core/pins/PinGuard.js';
export type { OnDrift } from '../core/pins/PinPolicy.js';
export { renderComparison, unifiedDiff } from './renderDiff.js';
export { parsePinArgs, PIN_USAGE, PinUsageError, runPinCli } from './pinCli.js';
export type { PinArgs, PinCliIo } from './pinCli.js';
