/**
 * The collector's query-API response shapes, imported type-only from the collector's source so the two
 * cannot drift: a change there breaks this build.
 */
export type {
  ApprovalStatus,
  ErrorGroup,
  ErrorsResponse,
  InfoResponse,
  OverviewResponse,
  SeriesPoint,
  SpanView,
  TimeRange,
  ToolApprovalView,
  ToolChange,
  ToolChangesResponse,
  ToolDefinitionVersion,
  ToolServerView,
  ToolStanding,
  ToolStats,
  ToolsResponse,
  TraceResponse,
  TraceSummary,
  TracesResponse,
} from '../../../collector/src/api/types.js';

/** The alerting API's shapes (`/api/alert-rules`, `/api/alerts`), from the collector's alerting module. */
export type {
  AlertFiringView,
  AlertMetric,
  AlertNotificationView,
  AlertRuleDefinition,
  AlertRulesResponse,
  AlertRuleView,
  AlertScope,
  AlertsResponse,
  WebhookFormat,
} from '../../../collector/src/alerts/types.js';
