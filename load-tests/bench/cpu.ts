/**
 * Where the machine's CPU went during a measurement, from /proc (Linux; elsewhere every figure is absent): per
 * process of interest, in ms of CPU per answer, so that a ratio that falls short can be read against what each
 * part of the system cost, on a machine where the servers, the stores and the load generator share the cores.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of a /proc stat line, in ms (clock ticks are 100 per second on Linux). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The parent pid of a /proc stat line. */
function statParent(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
}

/** The pids whose parent is `pid` (a worker group's gateway workers). */
export function childPids(pid: number | undefined): number[] {
  if (!pid) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statParent(readFileSync(`/proc/${entry}/stat`, 'utf8')) === String(pid)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * CPU time (user + system, ms, all threads) a process and its child processes (a worker group's gateway
 * workers) have used so far; undefined where there is none.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    let ms = statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    for (const child of childPids(pid)) ms += processCpuMs(child) ?? 0;
    return ms;
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  /** CPU used so far by part: the named processes, Redis, PostgreSQL, NATS, everything else. */
  parts: Record<string, number>;
  /** Busy and idle time of the whole machine so far, all cores. */
  busyMs: number;
  idleMs: number;
}

/**
 * Sums CPU so far by part: `named` maps pids to a part's name (the server's child processes, a worker group's
 * gateway workers, count to the part `serverWorkers`); servers are recognised by process name.
 */
export function cpuSnapshot(named: Record<string, number | undefined>): CpuSnapshot | undefined {
  let machine: string;
  try {
    machine = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const byPid = new Map<string, string>();
  for (const [name, pid] of Object.entries(named)) if (pid) byPid.set(String(pid), name);
  const parts: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const parent = byPid.get(statParent(stat));
    const part =
      byPid.get(entry) ??
      (parent === 'server' ? 'serverWorkers' : undefined) ??
      (comm.startsWith('postgres')
        ? 'postgresql'
        : comm.startsWith('redis')
          ? 'redis'
          : comm.startsWith('nats')
            ? 'nats'
            : 'other');
    parts[part] = (parts[part] ?? 0) + statCpuMs(stat);
  }
  // cpu  user nice system idle iowait irq softirq steal …
  const t = (machine.split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const at = (i: number) => t[i] ?? 0;
  return {
    parts,
    busyMs: (at(0) + at(1) + at(2) + at(5) + at(6) + at(7)) * 10,
    idleMs: (at(3) + at(4)) * 10,
  };
}

/** ms of CPU per answer between two snapshots, by part, plus the machine's busy and idle time per answer. */
export function cpuPerAnswer(
  before: CpuSnapshot | undefined,
  after: CpuSnapshot | undefined,
  answers: number,
): Record<string, number> | undefined {
  if (!before || !after || answers <= 0) return undefined;
  const per = (ms: number) => +(ms / answers).toFixed(4);
  const out: Record<string, number> = {};
  for (const [part, ms] of Object.entries(after.parts)) {
    const used = ms - (before.parts[part] ?? 0);
    if (used > 0) out[part] = per(used);
  }
  out.machineBusy = per(after.busyMs - before.busyMs);
  out.machineIdle = per(after.idleMs - before.idleMs);
  return out;
}
