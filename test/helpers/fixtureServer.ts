/**
 * Launching the instrumented fixture servers of test/fixtures as child processes: their command line,
 * the environment that points their `startTracing` at a test collector, and the port an HTTP fixture
 * prints once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, TS_NODE_ARGS } from './collector.js';

/** test/fixtures/weather-server.ts: get_weather, charge_card (a tool error), explode (throws), a prompt. */
export const WEATHER_SERVER = path.join(REPO_ROOT, 'test/fixtures/weather-server.ts');

/** The environment of a fixture server that exports to `collectorUrl` as the service `service`. */
export function fixtureEnv(
  collectorUrl: string,
  service: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    OTEL_SERVICE_NAME: service,
    ...extra,
  };
}

/** A stdio client transport's parameters that start the TypeScript `fixture` with `args` from the repo root. */
export function fixtureLaunch(
  fixture: string,
  args: string[],
  env: Record<string, string>,
): { command: string; args: string[]; env: Record<string, string>; cwd: string } {
  return { command: process.execPath, args: [...TS_NODE_ARGS, fixture, ...args], env, cwd: REPO_ROOT };
}

/** Starts the TypeScript `fixture` with `args` as a child process; its stdout is piped, its stderr shown. */
export function spawnFixture(fixture: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...TS_NODE_ARGS, fixture, ...args], {
    env,
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The port an HTTP fixture child prints as "listening on PORT"; rejects if the child exits first. */
export function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
  });
}
