/**
 * Summarizes a `.cpuprofile` of the benchmark (see profile.ts):
 *
 *   node --import tsx test/bench/sdk/summarizeProfile.ts <file.cpuprofile> [top]
 *
 * Each sample is charged to its "owner": walking up from the sampled frame, the first frame that is
 * neither OpenTelemetry nor Node internals nor native code (those work on behalf of their caller). So
 * the `@mcpscope/sdk` share includes the OpenTelemetry work mcpscope asks for, and its functions are
 * listed with that work included, followed by the OpenTelemetry functions doing it.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: summarizeProfile.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

function packageOf(url: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  if (/\/sdk\/(src|dist)\//.test(url)) return '@mcpscope/sdk';
  if (url.startsWith('file:')) return url.replace(/^.*\/work\/main\//, '');
  return undefined;
}

function ownerOf(url: string): string | undefined {
  const name = packageOf(url);
  return name?.startsWith('@opentelemetry/') ? undefined : name;
}

const byOwner = new Map<string, number>();
const byMcpscopeFunction = new Map<string, number>();
const byOtelFunction = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, time: number): void => {
  map.set(key, (map.get(key) ?? 0) + time);
};

profile.samples.forEach((sample, i) => {
  const time = profile.timeDeltas[i] ?? 0;
  total += time;
  let id: number | undefined = sample;
  let owner: string | undefined;
  let ownerFrame = '';
  let otelLeaf: string | undefined;
  while (id !== undefined) {
    const frame = (nodes.get(id) as ProfileNode).callFrame;
    const name = packageOf(frame.url);
    if (!otelLeaf && name?.startsWith('@opentelemetry/'))
      otelLeaf = `${frame.functionName || '(anonymous)'} (${name})`;
    owner = ownerOf(frame.url);
    if (owner) {
      ownerFrame = `${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
      break;
    }
    id = parents.get(id);
  }
  const leaf = (nodes.get(sample) as ProfileNode).callFrame.functionName;
  add(byOwner, owner ?? (leaf.startsWith('(') ? leaf : `(${leaf || 'unknown'})`), time);
  if (owner === '@mcpscope/sdk') {
    add(byMcpscopeFunction, ownerFrame, time);
    if (otelLeaf) add(byOtelFunction, otelLeaf, time);
  }
});

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${key}`);
};
print('CPU time by owner', byOwner);
print('@mcpscope/sdk functions (with the OpenTelemetry work they call)', byMcpscopeFunction);
print('OpenTelemetry functions working for @mcpscope/sdk (self time)', byOtelFunction);
