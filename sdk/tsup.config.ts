import { defineConfig } from 'tsup';

// ESM and CommonJS builds of the public entry points, so both kinds of consumer work.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'proxy/index': 'src/proxy/index.ts',
    // Pin files (format, comparison, `mcpscope pin`); the MCP SDK client loads only when `pin` runs.
    'pins/index': 'src/pins/index.ts',
    cli: 'src/cli.ts',
    // Light entry points for the collector: attribute names, canonical JSON and the outcome rules without the OpenTelemetry SDK.
    semconv: 'src/semconv.ts',
    'canonical-json': 'src/core/tools/canonicalJson.ts',
    outcome: 'src/core/classifyOutcome.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@modelcontextprotocol\/sdk/, /^@opentelemetry\//],
});
