/**
 * Samples a process's resident memory from /proc/<pid>/status (VmRSS) at a fixed interval, for tests
 * that bound what hostile input may cost the collector. Linux only: elsewhere it records no samples.
 */
import { readFileSync } from 'node:fs';

export interface RssSamples {
  /** Largest VmRSS seen, in bytes (0 when none could be read). */
  maxBytes: number;
  samples: number;
  /** When the largest sample was taken, ms after sampling began. */
  maxAtMs: number;
}

/** Reads VmRSS of `pid` in bytes, or undefined when the process is gone or /proc is absent. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function sampleRss(pid: number, everyMs = 500): { stop(): RssSamples } {
  const started = Date.now();
  const result: RssSamples = { maxBytes: 0, samples: 0, maxAtMs: 0 };
  const take = () => {
    const bytes = rssBytes(pid);
    if (bytes === undefined) return;
    result.samples++;
    if (bytes > result.maxBytes) {
      result.maxBytes = bytes;
      result.maxAtMs = Date.now() - started;
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return result;
    },
  };
}
