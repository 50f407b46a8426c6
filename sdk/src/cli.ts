#!/usr/bin/env node
import { runProxyCli } from './proxy/index.js';

// `mcpscope-proxy [proxy] …`: the word `proxy` is optional so the same arguments work here and after
// the collector's `mcpscope proxy`.
const argv = process.argv.slice(2);
runProxyCli(argv[0] === 'proxy' ? argv.slice(1) : argv).catch((error: unknown) => {
  process.stderr.write(`mcpscope proxy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
