/**
 * The synthetic fleet of the query benchmark (queryLatency.ts): its three servers and the ten tools
 * its span fill spreads over them. The histogram fill and the alert rules at scale name the same ones,
 * so every query and rule finds data.
 */
export const BENCH_SERVERS = ['weather', 'github', 'filesystem'];
export const BENCH_TOOLS = [
  'get_weather',
  'get_forecast',
  'get_alerts',
  'search_issues',
  'create_issue',
  'get_file_contents',
  'list_pull_requests',
  'read_file',
  'write_file',
  'list_directory',
];
