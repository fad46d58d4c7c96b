import { statfsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/** statfs figures as numbers (statfsSync without `bigint`). */
type DiskStats = { bavail: number; bsize: number; blocks: number; ffree: number; files: number };

export interface SystemMetricsOptions {
  /** Directories whose free space and inodes are reported (`disk_free_*{name}`), e.g. `{ data: '/var/spool/mtakit' }`. */
  disks?: Record<string, string>;
}

/**
 * KumoMTA's process and host gauges, measured at scrape time: memory_usage (resident set),
 * memory_limit (the cgroup limit if there is one, else physical memory), process and system CPU
 * (percent since the previous scrape, summed over CPUs and normalized), disk_free_* per
 * monitored directory, thread_pool_size for libuv's pool.
 */
export function registerSystemMetrics(registry: Registry, options: SystemMetricsOptions = {}): void {
  const registers = [registry];
  const cores = availableParallelism();
  const gauge = (name: string, help: string, value: () => number) => new Gauge({ name, help, registers, collect() { this.set(value()); } });
  gauge('memory_usage', 'number of bytes of used memory', () => process.memoryUsage.rss());
  gauge('memory_limit', 'soft memory limit measured in bytes', memoryLimit);

  let lastProcess = { at: process.hrtime.bigint(), usage: process.cpuUsage() };
  const processPercent = () => {
    const now = { at: process.hrtime.bigint(), usage: process.cpuUsage() };
    const elapsedUs = Number(now.at - lastProcess.at) / 1000;
    const usedUs = now.usage.user - lastProcess.usage.user + now.usage.system - lastProcess.usage.system;
    lastProcess = now;
    return elapsedUs > 0 ? (100 * usedUs) / elapsedUs : 0;
  };
  let processSum = 0;
  gauge('process_cpu_usage_sum', 'The sum of the process CPU usage for each CPU in the system, can add up to more than 100%', () => (processSum = processPercent()));
  gauge('process_cpu_usage_normalized', 'The process CPU usage divided by the number of CPUs (0-100%)', () => processSum / cores);

  let lastSystem = cpuTimes();
  let systemSum = 0;
  gauge('system_cpu_usage_sum', 'The sum of the system-wide CPU usage for each CPU in the system, can add up to more than 100%', () => {
    const now = cpuTimes();
    const total = now.total - lastSystem.total;
    systemSum = total > 0 ? (100 * cores * (now.busy - lastSystem.busy)) / total : 0;
    lastSystem = now;
    return systemSum;
  });
  gauge('system_cpu_usage_normalized', 'The system-wide CPU usage divided by the number of CPUs (0-100%)', () => systemSum / cores);

  new Gauge({
    name: 'thread_pool_size', help: 'number of threads in a thread pool', labelNames: ['pool'], registers,
    collect() { this.set({ pool: 'libuv' }, Number(process.env['UV_THREADPOOL_SIZE'] ?? 4)); },
  });
  const disks = Object.entries(options.disks ?? {});
  const diskGauge = (name: string, help: string, value: (s: DiskStats) => number) => new Gauge({
    name, help, labelNames: ['name'], registers,
    collect() {
      for (const [label, dir] of disks) {
        try {
          this.set({ name: label }, value(statfsSync(dir) as DiskStats));
        } catch {
          this.remove({ name: label });
        }
      }
    },
  });
  diskGauge('disk_free_bytes', 'number of available bytes in a monitored location', (s) => s.bavail * s.bsize);
  diskGauge('disk_free_percent', 'percentage of available bytes in a monitored location', (s) => (s.blocks > 0 ? (100 * s.bavail) / s.blocks : 0));
  diskGauge('disk_free_inodes', 'number of available inodes in a monitored location', (s) => s.ffree);
  diskGauge('disk_free_inodes_percent', 'percentage of available inodes in a monitored location', (s) => (s.files > 0 ? (100 * s.ffree) / s.files : 0));
}

/** A cgroup limit reads as a huge number when there is none; physical memory is the limit then. */
function memoryLimit(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}
