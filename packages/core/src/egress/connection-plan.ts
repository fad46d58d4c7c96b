/**
 * The order in which to try a site's hosts: by preference, lowest first, shuffled within one
 * preference so load spreads across equal MX hosts (as KumoMTA and RFC 5321 §5.1 do).
 */
export interface PlannedHost {
  /** Host name (MX exchange, `mx_list` name, or the domain itself for an implicit MX). */
  name: string;
  preference: number;
  /** Fixed address (`[ip]` literals, `{name, addr}` entries); otherwise resolved. */
  addr?: string | undefined;
  port?: number | undefined;
}

export function connectionPlan<T extends PlannedHost>(hosts: readonly T[], random: () => number = Math.random): T[] {
  const groups = new Map<number, T[]>();
  for (const h of hosts) {
    const group = groups.get(h.preference);
    if (group) group.push(h);
    else groups.set(h.preference, [h]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, group]) => shuffle(group, random));
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
