import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * CPU time (µs, user + system) a process has used so far, all its threads, or undefined off Linux.
 * From each thread's /proc/PID/task/TID/schedstat (nanoseconds on the CPU) where the kernel has it:
 * /proc/PID/stat counts in clock ticks (10 ms at CLK_TCK 100), several calls' worth of time, too coarse
 * to compare one round of calls with another. A thread that has exited no longer counts there; Node's
 * threads (main, libuv pool, V8 platform workers) live as long as the process. Else from /proc/PID/stat
 * (utime + stime, exited threads included).
 */
export function processCpuMicros(pid: number | null | undefined): number | undefined {
  if (pid === null || pid === undefined) return undefined;
  const tasks = `/proc/${pid}/task`;
  if (existsSync(`${tasks}/${pid}/schedstat`)) {
    let nanos = 0;
    for (const tid of readdirSync(tasks)) {
      try {
        nanos += Number(readFileSync(`${tasks}/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return nanos / 1000;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
  const fields = (readFileSync(stat, 'utf8').split(') ')[1] ?? '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}
