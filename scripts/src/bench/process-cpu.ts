import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes from `/proc/<pid>/stat` (utime + stime), Linux only. Read before and after
 * a load phase, it gives what each process spent on that load whoever else shares the cores (the
 * load generator, other jobs), which wall-clock throughput alone cannot.
 */
export const hasProcFs = (): boolean => existsSync('/proc/self/stat');

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export interface ProcessStat {
  pid: number;
  ppid: number;
  /** The executable's name as the kernel keeps it (`node`, `java`, `redis-server`), at most 15 characters. */
  command: string;
  /** User plus system CPU time so far. */
  cpuMs: number;
}

function readStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited in the meantime
  }
  // The command is in parentheses and may itself contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is the stat file's field 3 (state); field n is fields[n - 3]: ppid 4, utime 14, stime 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    pid,
    ppid: Number(fields[1]),
    command: text.slice(text.indexOf('(') + 1, close),
    cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND,
  };
}

/** Every process now visible in /proc. */
export function readProcessTable(): ProcessStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcessStat => stat !== undefined);
}

/** The direct children of `pid`. */
export function childrenOf(pid: number, table: readonly ProcessStat[] = readProcessTable()): ProcessStat[] {
  return table.filter((stat) => stat.ppid === pid);
}

/**
 * CPU so far of `root` and all its live descendants (the gateway's cluster workers run under its
 * primary). Time of descendants that already exited is not counted.
 */
export function treeCpuMs(root: number, table: readonly ProcessStat[]): number {
  const byParent = new Map<number, ProcessStat[]>();
  for (const stat of table) byParent.set(stat.ppid, [...(byParent.get(stat.ppid) ?? []), stat]);
  let total = 0;
  const pending = table.filter((stat) => stat.pid === root);
  for (let stat = pending.pop(); stat !== undefined; stat = pending.pop()) {
    total += stat.cpuMs;
    pending.push(...(byParent.get(stat.pid) ?? []));
  }
  return total;
}

/** A named process tree to measure. */
export interface CpuProbe {
  label: string;
  pid: number;
}

/** CPU so far per probe label (probes with the same label are summed). */
export function sampleCpu(probes: readonly CpuProbe[]): Map<string, number> {
  const table = readProcessTable();
  const sample = new Map<string, number>();
  for (const { label, pid } of probes) sample.set(label, (sample.get(label) ?? 0) + treeCpuMs(pid, table));
  return sample;
}

/** CPU spent per label between two samples. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([label, ms]) => [label, ms - (before.get(label) ?? 0)]));
}
