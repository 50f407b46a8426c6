/**
 * `data-testid` values, in one place so the browser test and the components agree (the jaeger-ui way).
 */
export const TEST_IDS = {
  nav: 'nav',
  toolChangeAlert: 'tool-change-alert',
  tokenForm: 'token-form',
  tokenInput: 'token-input',
  rangePicker: 'range-picker',
  refreshPicker: 'refresh-picker',
  emptyState: 'empty-state',
  demoCommand: 'demo-command',
  queryError: 'query-error',

  overview: 'overview-view',
  overviewTotals: 'overview-totals',
  overviewCharts: 'overview-charts',
  overviewRootCauses: 'overview-root-causes',
  toolStatsTable: 'tool-stats-table',
  chart: 'chart',

  toolDetail: 'tool-detail-view',
  histogram: 'latency-histogram',
  errorsByType: 'errors-by-type',

  errors: 'errors-view',
  errorGroupsTable: 'error-groups-table',
  errorGroupRow: 'error-group-row',
  errorTemplate: 'error-template',
  errorExampleLink: 'error-example-link',
  rootCauseFilter: 'root-cause-filter',
  sparkline: 'sparkline',

  traceSearch: 'trace-search-view',
  traceFilters: 'trace-filters',
  traceList: 'trace-list',
  traceRow: 'trace-row',

  trace: 'trace-view',
  verdictBanner: 'verdict-banner',
  verdictCall: 'verdict-call',
  waterfall: 'waterfall',
  waterfallScroll: 'waterfall-scroll',
  spanRow: 'span-row',
  layerBreakdown: 'layer-breakdown',
  spanPanel: 'span-panel',
  spanAttributes: 'span-attributes',
  attributeFilter: 'attribute-filter',
  spanEvents: 'span-events',

  toolChanges: 'tool-changes-view',
  toolChange: 'tool-change',
  diff: 'definition-diff',
} as const;
