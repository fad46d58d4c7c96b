import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, networkInterfaces, release, totalmem, version } from 'node:os';

/** kumod's `MachineInfoV1` (`GET /api/machine-info`). */
export interface MachineInfo {
  node_id: string;
  hostname: string;
  mac_address: string;
  num_cores: number;
  kernel_version: string | null;
  platform: string;
  distribution: string;
  os_version: string;
  total_memory_bytes: number;
  container_runtime: string | null;
  cpu_brand: string;
  fingerprint: string;
  online_since: string;
  process_kind: string;
  version: string;
}

export function machineInfo(p: { nodeId: string; processKind: string; version: string; onlineSince: string }): MachineInfo {
  const osRelease = readOsRelease();
  const machineId = readTrimmed('/etc/machine-id');
  return {
    node_id: p.nodeId,
    hostname: hostname(),
    mac_address: macAddress(),
    num_cores: availableParallelism(),
    kernel_version: process.platform === 'win32' ? null : release(),
    platform: process.platform,
    distribution: osRelease.get('ID') ?? process.platform,
    os_version: osRelease.get('VERSION_ID') ?? version(),
    total_memory_bytes: totalmem(),
    container_runtime: existsSync('/.dockerenv') ? 'docker' : existsSync('/run/.containerenv') ? 'podman' : null,
    cpu_brand: cpus()[0]?.model ?? '',
    fingerprint: machineId ? `machine_uid=${machineId}` : '',
    online_since: p.onlineSince,
    process_kind: p.processKind,
    version: p.version,
  };
}

/** The first non-internal interface's hardware address. */
function macAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.mac !== '00:00:00:00:00:00') return i.mac;
  }
  return '00:00:00:00:00:00';
}

function readOsRelease(): Map<string, string> {
  const text = readTrimmed('/etc/os-release') ?? '';
  return new Map(text.split('\n').flatMap((line) => {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    return m ? [[m[1] as string, m[3] as string] as const] : [];
  }));
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
