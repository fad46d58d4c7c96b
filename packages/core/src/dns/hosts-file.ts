import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';

/**
 * Names the hosts file gives addresses, as the system resolver (getaddrinfo) would: `localhost` in
 * an mx_list, or a relay host named only there. Read when first asked and again when the file
 * changes (by mtime); a missing file gives nothing.
 */
export class HostsFile {
  #mtimeMs = -1;
  #names = new Map<string, { 4: string[]; 6: string[] }>();

  constructor(private readonly path = '/etc/hosts') {}

  /** The addresses of `name` of the given families, in file order; empty if the file does not name it. */
  lookup(name: string, families: ReadonlyArray<4 | 6>): string[] {
    this.#refresh();
    const entry = this.#names.get(name.toLowerCase().replace(/\.$/, ''));
    return entry ? families.flatMap((f) => entry[f]) : [];
  }

  #refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      this.#names.clear();
      return;
    }
    if (mtimeMs === this.#mtimeMs) return;
    this.#mtimeMs = mtimeMs;
    this.#names = parseHosts(readFileSync(this.path, 'utf8'));
  }
}

export function parseHosts(text: string): Map<string, { 4: string[]; 6: string[] }> {
  const names = new Map<string, { 4: string[]; 6: string[] }>();
  for (const line of text.split('\n')) {
    const [address, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = address ? isIP(address) : 0;
    if (family !== 4 && family !== 6) continue;
    for (const alias of aliases) {
      const entry = names.get(alias.toLowerCase()) ?? { 4: [], 6: [] };
      entry[family].push(address as string);
      names.set(alias.toLowerCase(), entry);
    }
  }
  return names;
}
