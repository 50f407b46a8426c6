/**
 * The OpenTelemetry SDK work one mcpscope tools/call needs, alone in a tight loop (no MCP, hot caches):
 * the same OpenTelemetry setup as the `mcpscope` configuration and the same API calls the
 * instrumentation makes for an in-memory call with default options — three spans with their attributes
 * (the two the sampler sees at start, the seven connection attributes, the per-request ones), the
 * transport span's context injected into a `_meta` object and extracted again, the handler context
 * entered, and the two operation histograms. It is a floor for mcpscope's added time on this machine:
 * no instrumentation making these calls can add less.
 *
 * Run by sdk.bench.ts as a child process (it installs OpenTelemetry globals); prints one JSON line
 * `{ "microsPerCall": n }` (the median of its rounds).
 */
import { ALL_PIECES, oneCall } from './otelCall.js';
import { spread } from './stats.js';

const CALLS = 20_000;
let id = 0;
for (let i = 0; i < 5 * CALLS; i++) oneCall(id++, ALL_PIECES);
const rounds: number[] = [];
for (let round = 0; round < 15; round++) {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) oneCall(id++, ALL_PIECES);
  rounds.push(((performance.now() - start) * 1000) / CALLS);
}
console.log(JSON.stringify({ microsPerCall: spread(rounds).median }));
