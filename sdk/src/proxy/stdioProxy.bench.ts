/**
 * Proxy cost benchmark (not a test): `node --conditions=mcpscope-source --import tsx sdk/src/proxy/stdioProxy.bench.ts`.
 *
 * 1. In process: the proxy's own work per call (frame, parse, span, inject, re-serialize, end span),
 *    without the pipe hop that any process in the middle costs.
 * 2. End to end: the same tools/call loop against the fixture server directly, through a plain
 *    pass-through process (the floor for any proxy), and through `mcpscope proxy` (protobuf export to a
 *    local sink), measured in the same run.
 * Target (DESIGN.md): ≤ 0.2 ms added per call on stdio.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LineFramer } from './lineFramer.js';
import { ProxySession } from './proxySession.js';
import { ToolListMemory } from './toolListMemory.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);
const WARMUP = 200;
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./testing/fixtureStdioServer.ts', import.meta.url));
const passThroughProxy = fileURLToPath(new URL('./testing/passThroughProxy.ts', import.meta.url));

async function inProcess(): Promise<void> {
  const discard: SpanExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  const session = new ProxySession({
    tracer: provider.getTracer('bench'),
    tools: new ToolListMemory(),
    networkTransport: 'pipe',
  });
  const traced = (line: Buffer, onMessage: (m: unknown) => boolean): Buffer | undefined => {
    const msg: unknown = JSON.parse(line.toString('utf8'));
    return onMessage(msg) ? Buffer.from(JSON.stringify(msg)) : undefined;
  };
  const toServer = new LineFramer((l) => traced(l, (m) => session.fromClient(m, { bytes: l.length })));
  const toClient = new LineFramer((l) => traced(l, (m) => session.fromServer(m, { bytes: l.length })));
  // Consume output as it is produced and wait for each write to be processed, so every message is
  // really framed, parsed and traced inside the timed loop.
  toServer.on('data', () => undefined);
  toClient.on('data', () => undefined);
  const write = (framer: LineFramer, chunk: Buffer) =>
    new Promise<void>((resolve) => framer.write(chunk, () => resolve()));
  const request = (id: number) =>
    Buffer.from(
      `{"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}},"jsonrpc":"2.0","id":${id}}\n`,
    );
  const response = (id: number) =>
    Buffer.from(`{"result":{"content":[{"type":"text","text":"hello"}]},"jsonrpc":"2.0","id":${id}}\n`);
  const rounds = CALLS * 10;
  let id = 0;
  for (let i = 0; i < WARMUP; i++, id++) {
    await write(toServer, request(id));
    await write(toClient, response(id));
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++, id++) {
    await write(toServer, request(id));
    await write(toClient, response(id));
  }
  const perCallUs = Number(process.hrtime.bigint() - start) / rounds / 1000;
  console.log(
    `in process, ${rounds} request/response pairs: ${perCallUs.toFixed(1)} µs of proxy work per call`,
  );
  await provider.shutdown();
}

async function connect(args: string[], env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env, cwd: root }));
  return client;
}

/** Latencies (µs) of `calls` sequential echo calls. */
async function timeCalls(client: Client, calls: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    out.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return out;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function endToEnd(): Promise<void> {
  const sink = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const server = [process.execPath, ...TS, fixture];
  const variants = {
    direct: await connect([...TS, fixture], env),
    passThrough: await connect([...TS, passThroughProxy, ...server], env),
    proxy: await connect([...TS, cli, 'proxy', '--', ...server], env),
  };
  for (const client of Object.values(variants)) await timeCalls(client, WARMUP);
  // Interleaved rounds, median per variant: the machine's load drifts, and it drifts for all three alike.
  const rounds = 9;
  const perRound = Math.max(1, Math.floor(CALLS / rounds));
  const samples: Record<keyof typeof variants, number[]> = { direct: [], passThrough: [], proxy: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of Object.keys(variants) as Array<keyof typeof variants>) {
      samples[name].push(...(await timeCalls(variants[name], perRound)));
    }
  }
  for (const client of Object.values(variants)) await client.close();
  sink.close();
  const direct = median(samples.direct);
  const passThrough = median(samples.passThrough);
  const proxied = median(samples.proxy);
  const us = (n: number) => `${n.toFixed(1)} µs`;
  console.log(
    `end to end, ${rounds} interleaved rounds of ${perRound} sequential tools/call, median call latency:`,
  );
  console.log(
    `  direct ${us(direct)} | plain pass-through process ${us(passThrough)} | mcpscope proxy ${us(proxied)}`,
  );
  console.log(`  added by mcpscope proxy ${us(proxied - direct)} (target ≤ 200 µs)`);
  console.log(
    `    = process hop ${us(passThrough - direct)} + framing and tracing ${us(proxied - passThrough)}`,
  );
}

await inProcess();
await endToEnd();
