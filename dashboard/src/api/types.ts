/**
 * The collector's query-API response shapes, imported type-only from the collector's source so the two
 * cannot drift: a change there breaks this build.
 */
export type {
  ErrorGroup,
  ErrorsResponse,
  InfoResponse,
  OverviewResponse,
  SeriesPoint,
  SpanView,
  TimeRange,
  ToolChange,
  ToolChangesResponse,
  ToolDefinitionVersion,
  ToolStats,
  ToolsResponse,
  TraceResponse,
  TraceSummary,
  TracesResponse,
} from '../../../collector/src/api/types.js';
