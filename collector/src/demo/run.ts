/**
 * `mcpscope demo`: a real instrumented MCP client drives the demo server (a real stdio child process,
 * also instrumented) with a steady, realistic mix of calls, exporting both sides to a collector, so a
 * newcomer sees a populated dashboard within a minute.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { instrumentClient, startTracing } from '@mcpscope/sdk';

export interface DemoOptions {
  /** Collector base URL. Default: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318. */
  endpoint?: string;
  /** Stop after this many seconds; default: run until interrupted. */
  durationSeconds?: number;
  /** Calls per second, default 5: enough to fill the charts without loading the machine. */
  rate?: number;
  /** When the server changes a tool definition (ms after start); default MCPSCOPE_DEMO_RUG_PULL_MS, else 20 s. */
  rugPullAfterMs?: number;
  log?: (msg: string) => void;
}

const CITIES = ['Lisbon', 'Porto', 'Berlin', 'Nairobi', 'Osaka', 'Lima', 'Oslo'];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const customer = () => `cus_${Math.floor(Math.random() * 900 + 100)}`;

/** One step of the traffic mix, chosen by weight. */
type Step = { weight: number; run: (c: Client) => Promise<unknown> };
const STEPS: Step[] = [
  { weight: 30, run: (c) => c.callTool({ name: 'get_weather', arguments: { city: pick(CITIES) } }) },
  { weight: 6, run: (c) => c.callTool({ name: 'get_forecast', arguments: { city: pick(CITIES), days: 5 } }) },
  {
    weight: 7,
    run: (c) => c.callTool({ name: 'charge_card', arguments: { customerId: customer(), amountCents: 499 } }),
  },
  // Over the card limit: the tool answers with an isError result.
  {
    weight: 3,
    run: (c) => c.callTool({ name: 'charge_card', arguments: { customerId: customer(), amountCents: 9900 } }),
  },
  { weight: 10, run: (c) => c.callTool({ name: 'get_alerts', arguments: { region: pick(CITIES) } }) },
  { weight: 8, run: (c) => c.callTool({ name: 'convert_units', arguments: { value: 21, to: 'F' } }) },
  // A model hallucinating a tool name: the server answers with a JSON-RPC error (the caller's fault).
  { weight: 4, run: (c) => c.callTool({ name: 'delete_all_forecasts', arguments: {} }) },
  // Arguments that fail the input schema: also the caller's fault.
  { weight: 3, run: (c) => c.callTool({ name: 'get_forecast', arguments: { city: 'Oslo', days: 40 } }) },
  { weight: 5, run: (c) => c.readResource({ uri: 'weather://stations' }) },
  { weight: 4, run: (c) => c.getPrompt({ name: 'weather_report', arguments: { city: pick(CITIES) } }) },
  { weight: 3, run: (c) => c.listTools() },
  { weight: 2, run: (c) => c.ping() },
];
const TOTAL_WEIGHT = STEPS.reduce((n, s) => n + s.weight, 0);
/** The first calls tour every step once, so even a short demo shows every case; then the weighted mix. */
function nextStep(callIndex: number): Step {
  const tour = STEPS[callIndex];
  if (tour) return tour;
  let r = Math.random() * TOTAL_WEIGHT;
  for (const s of STEPS) {
    r -= s.weight;
    if (r <= 0) return s;
  }
  return STEPS[0] as Step;
}

/** The demo server's entry point, beside this file (.ts when run from source, .js when built). */
function serverEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `server${path.extname(here)}`);
}

export async function runDemo(opts: DemoOptions = {}): Promise<{ calls: number; failures: number }> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const endpoint = (
    opts.endpoint ??
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ??
    'http://localhost:4318'
  ).replace(/\/$/, '');
  const rate = opts.rate ?? 5;
  const tracing = startTracing({ serviceName: 'demo-agent', endpoint });
  const client = instrumentClient(new Client({ name: 'demo-agent', version: '0.1.0' }));
  const transport = new StdioClientTransport({
    command: process.execPath,
    // Keep our own loader flags (tsx when run from source) so the child runs the same way we do.
    args: [...process.execArgv, serverEntry()],
    env: {
      ...(process.env as Record<string, string>),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'demo-weather-server',
      MCPSCOPE_DEMO_RUG_PULL_MS: String(
        opts.rugPullAfterMs ?? process.env['MCPSCOPE_DEMO_RUG_PULL_MS'] ?? 20_000,
      ),
    },
    stderr: 'inherit',
  });
  await client.connect(transport);
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    log('server says its tools changed: listing them again');
    await client.listTools().catch(() => {});
  });
  await client.listTools();
  log(`demo: sending ~${rate} MCP calls/s to ${endpoint} (Ctrl-C to stop). Open ${endpoint}/ to watch.`);

  let calls = 0;
  let failures = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const deadline = opts.durationSeconds ? Date.now() + opts.durationSeconds * 1000 : Infinity;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped && Date.now() < deadline) {
    const p = nextStep(calls)
      .run(client)
      .then(
        (r) => {
          if (r && typeof r === 'object' && (r as { isError?: boolean }).isError) failures++;
        },
        () => {
          failures++;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    calls++;
    if (calls % 100 === 0) log(`demo: ${calls} calls, ${failures} failed`);
    await new Promise((r) => setTimeout(r, (1000 / rate) * (0.5 + Math.random())));
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await Promise.allSettled([...inFlight]);
  await client.close();
  await tracing.shutdown();
  log(`demo: done, ${calls} calls, ${failures} failed`);
  return { calls, failures };
}

export async function runDemoCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      endpoint: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
    },
  });
  await runDemo({
    endpoint: values.endpoint,
    durationSeconds: values.duration ? Number(values.duration) : undefined,
    rate: values.rate ? Number(values.rate) : undefined,
  });
}
