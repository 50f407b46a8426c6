/**
 * Where the OpenTelemetry work of one instrumented tools/call goes, piece by piece, in a tight loop (no
 * MCP): the three-span floor's calls (three spans with two attributes each, inject + extract, the
 * handler context), then what mcpscope asks of OpenTelemetry on top of them, one piece at a time — the
 * connection and request attributes of its three spans, and the two operation histograms (with their
 * attributes, and without, to separate the attribute hashing of `histogram.record`). The same
 * OpenTelemetry setup as the `mcpscope` configuration (sdk/benchTelemetry.ts).
 *
 *   node --import tsx test/bench/sdk/otelBreakdown.ts [rounds]
 *
 * Variants run in rotated rounds in one process (a slow phase of the machine hits all alike); each
 * figure is the median over rounds of the mean µs per call (CPU time of the process, and wall time),
 * and the added cost of a variant is the median of its per-round differences to the floor variant.
 */
import { oneCall, type Pieces } from './otelCall.js';
import { printTable } from './report.js';
import { spread } from './stats.js';

const VARIANTS: [string, Pieces][] = [
  [
    'three-span floor (2 attributes per span, inject + extract, handler context)',
    { attributes: false, histograms: false },
  ],
  [
    '+ mcpscope span attributes (7 connection + 1–2 request attributes per span)',
    { attributes: true, histograms: false },
  ],
  ['+ 2 histograms, no attributes', { attributes: false, histograms: 'none' }],
  ['+ 2 histograms, mcpscope attributes (method, tool)', { attributes: false, histograms: 'attributes' }],
  [
    '+ span attributes + 2 histograms (what mcpscope asks in memory)',
    { attributes: true, histograms: 'attributes' },
  ],
];

const CALLS = 2_000;
const rounds = Number(process.argv[2] ?? 40);
let id = 0;
for (const [, pieces] of VARIANTS) for (let i = 0; i < 10 * CALLS; i++) oneCall(id++, pieces);
const wall = VARIANTS.map((): number[] => []);
const cpu = VARIANTS.map((): number[] => []);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < VARIANTS.length; k++) {
    const v = (round + k) % VARIANTS.length;
    const pieces = (VARIANTS[v] as [string, Pieces])[1];
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) oneCall(id++, pieces);
    wall[v]?.push(((performance.now() - start) * 1000) / CALLS);
    const used = process.cpuUsage(cpuBefore);
    cpu[v]?.push((used.user + used.system) / CALLS);
  }
}

const fmt = (values: number[]): string => {
  const s = spread(values);
  return `${s.median.toFixed(2)} [${s.p25.toFixed(2)}–${s.p75.toFixed(2)}]`;
};
const added = (samples: number[][], v: number): number[] =>
  (samples[v] ?? []).map((value, i) => value - (samples[0]?.[i] ?? Number.NaN));
console.log(`OpenTelemetry work per instrumented call, ${rounds} rounds × ${CALLS} calls per variant, µs`);
printTable(
  ['variant', 'CPU µs/call', 'CPU added to floor', 'wall µs/call', 'wall added to floor'],
  VARIANTS.map(([name], v) => [
    name,
    fmt(cpu[v] ?? []),
    v === 0 ? '—' : fmt(added(cpu, v)),
    fmt(wall[v] ?? []),
    v === 0 ? '—' : fmt(added(wall, v)),
  ]),
);
