#!/usr/bin/env node

// `mcpscope-proxy [proxy] …` and `mcpscope-proxy pin …`: the word `proxy` is optional so the same
// arguments work here and after the collector's `mcpscope proxy`; `pin` runs `mcpscope pin`. Each loads
// only its own command's modules.
const argv = process.argv.slice(2);
if (argv[0] === 'pin') {
  import('./pins/pinCli.js')
    .then(({ runPinCli }) => runPinCli(argv.slice(1)))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`mcpscope pin: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
      },
    );
} else {
  import('./proxy/index.js')
    .then(({ runProxyCli }) => runProxyCli(argv[0] === 'proxy' ? argv.slice(1) : argv))
    .catch((error: unknown) => {
      process.stderr.write(`mcpscope proxy: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
