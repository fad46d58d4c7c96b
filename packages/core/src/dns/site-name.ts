/**
 * KumoMTA's site_name ("factor_names"): the MX host set of a domain folded into one pattern, so
 * every domain served by the same MX hosts shares one egress path. For example, gmail.com and
 * googlemail.com both become `(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com`.
 *
 * Deterministic for a host set: host order and preferences do not matter.
 */
export function siteNameFor(hosts: readonly string[]): string {
  const normalized = [...new Set(hosts.map(normalizeHost))].sort();
  if (normalized.length === 0) return '';
  const reversed = normalized.map((h) => h.split('.').reverse());
  const depth = Math.max(...reversed.map((labels) => labels.length));
  const positions: string[] = [];
  for (let i = 0; i < depth; i++) {
    const values: string[] = [];
    let missing = false;
    for (const labels of reversed) {
      const label = labels[i];
      if (label === undefined) missing = true;
      else if (!values.includes(label)) values.push(label);
    }
    const body = values.length === 1 ? (values[0] as string) : `(${values.join('|')})`;
    positions.push(missing ? `${body}?` : body);
  }
  return positions.reverse().join('.');
}

/** The site name of a fixed route: `mx_list:host1,host2`. */
export function mxListSiteName(hosts: readonly string[]): string {
  return `mx_list:${hosts.join(',')}`;
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const portAt = lower.lastIndexOf(':');
  const [name, port] = portAt > 0 && !lower.includes(']') ? [lower.slice(0, portAt), lower.slice(portAt)] : [lower, ''];
  return name.replace(/\.$/, '') + port;
}
