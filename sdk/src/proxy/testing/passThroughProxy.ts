import { spawn } from 'node:child_process';

// The floor for any proxy process: a Node process that only pipes bytes between the agent and the
// server, no parsing, no tracing. The proxy benchmark measures `mcpscope proxy` against it.
const [command, ...args] = process.argv.slice(2);
if (command === undefined) throw new Error('usage: passThroughProxy <command> [args...]');
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
child.on('close', (code) => process.exit(code ?? 0));
