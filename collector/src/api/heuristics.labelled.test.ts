/**
 * The injection heuristics on the labelled set of test/fixtures/tool-definitions: the tools of the
 * official MCP servers as their npm packages list them (benign), definitions written to resemble
 * attacks without being one (benign), and malicious definitions reconstructed from published
 * tool-poisoning, shadowing and rug-pull write-ups. Each definition goes through the same path as in
 * the collector: the SDK's fingerprinting projection and canonical JSON, then inspectToolDefinition with
 * the names of the server's other tools. Prints the precision/recall table of README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintTools } from '@mcpscope/sdk';
import { canonicalJson } from '@mcpscope/sdk/canonical-json';
import { describe, expect, it } from 'vitest';
import { flagsOf, INJECTION_FLAGS, inspectToolDefinition, type InjectionFlag } from './heuristics.js';

const SET_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tool-definitions');

type Tool = Record<string, unknown> & { name: string };
interface OfficialServer {
  package: string;
  version: string;
  extractedAt: string;
  obtained: { how: string; tarball?: string; integrity?: string };
  tools: Tool[];
}
interface MaliciousExample {
  id: string;
  technique: string;
  expectedFlags: InjectionFlag[];
  source: string[];
  heldOut?: boolean;
  otherTools?: string[];
  before?: Tool;
  tool: Tool;
}
interface SyntheticBenign {
  id: string;
  otherTools?: string[];
  tool: Tool;
}

/** One scored definition. */
interface Item {
  label: string;
  malicious: boolean;
  expected: readonly InjectionFlag[];
  flags: InjectionFlag[];
  evidence: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(SET_DIR, file), 'utf8')) as T;

/** What the collector runs: the SDK's stored form of each definition, inspected with its siblings. */
function inspectAsStored(tools: readonly Tool[], otherTools?: readonly string[]) {
  const names = otherTools ?? tools.map((t) => t.name);
  return fingerprintTools(tools).tools.map((t) => {
    const findings = inspectToolDefinition(canonicalJson(t.definition), { otherTools: names });
    return { name: t.name, flags: flagsOf(findings), evidence: JSON.stringify(findings) };
  });
}

const officialFiles = readdirSync(join(SET_DIR, 'official'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const official = officialFiles.map((f) => readJson<OfficialServer>(`official/${f}`));
const malicious = readJson<{ examples: MaliciousExample[] }>('malicious.json').examples;
const synthetic = readJson<{ examples: SyntheticBenign[] }>('benign-synthetic.json').examples;

const items: Item[] = [
  ...official.flatMap((server) =>
    inspectAsStored(server.tools).map((r) => ({
      label: `${server.package}@${server.version} ${r.name}`,
      malicious: false,
      expected: [],
      flags: r.flags,
      evidence: r.evidence,
    })),
  ),
  ...synthetic.map((e) => {
    const [r] = inspectAsStored([e.tool], e.otherTools ?? [e.tool.name]);
    return {
      label: `synthetic ${e.id}`,
      malicious: false,
      expected: [],
      flags: r!.flags,
      evidence: r!.evidence,
    };
  }),
  ...malicious.flatMap((e) => {
    const [r] = inspectAsStored([e.tool], e.otherTools ?? [e.tool.name]);
    const scored: Item[] = [
      { label: e.id, malicious: true, expected: e.expectedFlags, flags: r!.flags, evidence: r!.evidence },
    ];
    if (e.before) {
      const [b] = inspectAsStored([e.before], e.otherTools ?? [e.before.name]);
      scored.push({
        label: `${e.id} (before)`,
        malicious: false,
        expected: [],
        flags: b!.flags,
        evidence: b!.evidence,
      });
    }
    return scored;
  }),
];

const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

/** Markdown: per flag (an example counts for a flag it is labelled with), then per definition. */
function table(): string {
  const rows = [
    '| flag | labelled | fired | true positives | precision | recall |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const flag of INJECTION_FLAGS) {
    const labelled = items.filter((i) => i.expected.includes(flag)).length;
    const fired = items.filter((i) => i.flags.includes(flag)).length;
    const tp = items.filter((i) => i.expected.includes(flag) && i.flags.includes(flag)).length;
    rows.push(`| \`${flag}\` | ${labelled} | ${fired} | ${tp} | ${pct(tp, fired)} | ${pct(tp, labelled)} |`);
  }
  const bad = items.filter((i) => i.malicious);
  const good = items.filter((i) => !i.malicious);
  const tp = bad.filter((i) => i.flags.length > 0).length;
  const fp = good.filter((i) => i.flags.length > 0).length;
  rows.push(
    `| **any flag** (per definition) | ${bad.length} | ${tp + fp} | ${tp} | ${pct(tp, tp + fp)} | ${pct(tp, bad.length)} |`,
  );
  const officialItems = items.filter(
    (i) => !i.malicious && !i.label.startsWith('synthetic ') && !i.label.endsWith('(before)'),
  );
  return [
    rows.join('\n'),
    '',
    `Benign: ${officialItems.length} official tools from ${official.length} packages, ` +
      `${synthetic.length} synthetic look-alikes, ${malicious.filter((e) => e.before).length} rug-pull "before" versions; ` +
      `flagged: ${good.filter((i) => i.flags.length > 0).length}. Malicious: ${bad.length} (${malicious.filter((e) => e.heldOut).length} written as a held-out batch).`,
  ].join('\n');
}

describe('the labelled tool-definition set', () => {
  it('holds the official servers as extracted from their packages, and sourced malicious examples', () => {
    expect(official.length).toBeGreaterThanOrEqual(14);
    for (const server of official) {
      expect(server.package).toMatch(/^@modelcontextprotocol\/server-/);
      expect(server.obtained.how).toContain('tools/list');
      expect(server.obtained.integrity).toMatch(/^sha512-/);
      expect(server.tools.length, server.package).toBeGreaterThan(0);
    }
    expect(malicious.length).toBeGreaterThanOrEqual(20);
    for (const e of malicious) {
      expect(e.source.length, e.id).toBeGreaterThan(0);
      for (const url of e.source) expect(url, e.id).toMatch(/^https:\/\//);
      expect(e.expectedFlags.length, e.id).toBeGreaterThan(0);
      for (const flag of e.expectedFlags) expect(INJECTION_FLAGS, e.id).toContain(flag);
    }
  });

  it('raises no flag on any tool of the official servers', () => {
    const flagged = items
      .filter((i) => !i.malicious && !i.label.startsWith('synthetic ') && !i.label.endsWith('(before)'))
      .filter((i) => i.flags.length > 0)
      .map((i) => `${i.label}: ${i.evidence}`);
    expect(flagged).toEqual([]);
  });

  it('raises no flag on the synthetic look-alikes and on the definitions a rug pull replaced', () => {
    const flagged = items
      .filter((i) => !i.malicious && (i.label.startsWith('synthetic ') || i.label.endsWith('(before)')))
      .filter((i) => i.flags.length > 0)
      .map((i) => `${i.label}: ${i.evidence}`);
    expect(flagged).toEqual([]);
  });

  it('flags every malicious example with every flag its technique is labelled with', () => {
    const missed = items
      .filter((i) => i.malicious)
      .map((i) => ({ id: i.label, missing: i.expected.filter((f) => !i.flags.includes(f)) }))
      .filter((m) => m.missing.length > 0);
    expect(missed).toEqual([]);
    expect(items.filter((i) => i.malicious && i.flags.length === 0)).toEqual([]);
  });

  it('exercises every flag with labelled examples, and reports precision and recall per flag', () => {
    const unexercised = INJECTION_FLAGS.filter((flag) => !items.some((i) => i.expected.includes(flag)));
    expect(unexercised).toEqual([]);
    console.log(
      `\nInjection heuristics on the labelled set (test/fixtures/tool-definitions):\n\n${table()}\n`,
    );
  });
});
