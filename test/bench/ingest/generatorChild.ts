/**
 * The load generator, in a process of its own so that its CPU is not the collector's: builds the
 * request templates (and saves them for the engine-rate child), measures how fast it can produce
 * bodies, then sends load on command. Driven over IPC by ingest.bench.ts.
 */
import { writeFileSync } from 'node:fs';
import { serialize } from 'node:v8';
import type { GeneratorCommand, GeneratorReply } from './messages.js';
import { sendLoad } from './sendLoad.js';
import { buildTemplates, RequestPatcher } from './workload.js';

let patcher: RequestPatcher | undefined;

function reply(message: GeneratorReply): void {
  process.send?.(message);
}

async function handle(command: GeneratorCommand): Promise<void> {
  switch (command.cmd) {
    case 'prepare': {
      const templates = buildTemplates({
        templates: command.templates,
        spansPerRequest: command.spansPerRequest,
      });
      writeFileSync(command.templatesFile, serialize(templates));
      patcher = new RequestPatcher(templates);
      // The generator's ceiling: bodies produced per second with nothing else to do.
      let spans = 0;
      const started = performance.now();
      while (performance.now() - started < 1000) spans += patcher.nextBody().spans;
      const seconds = (performance.now() - started) / 1000;
      const n = templates.length;
      reply({
        kind: 'prepared',
        patchSpansPerSecond: spans / seconds,
        spansPerRequest: templates.reduce((s, t) => s + t.spans, 0) / n,
        bytesPerRequest: templates.reduce((s, t) => s + t.body.length, 0) / n,
      });
      return;
    }
    case 'load': {
      if (!patcher) throw new Error('load before prepare');
      const result = await sendLoad(patcher, command);
      reply({ kind: 'loaded', result });
      return;
    }
    case 'exit':
      process.disconnect?.();
      return;
  }
}

process.on('message', (command: GeneratorCommand) => {
  handle(command).catch((error: unknown) =>
    reply({
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
