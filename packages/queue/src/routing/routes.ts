import type { EgressPathConfig, EgressSource, QueueConfig } from '@mtakit/core';
import { mxListSiteName, type MxResolver } from '@mtakit/core/dns';
import type { PlannedHost } from '@mtakit/core/egress';
import type { Transport } from '../delivery/channel.js';
import { CustomTransport } from '../delivery/custom-transport.js';
import { MaildirTransport } from '../delivery/maildir-transport.js';
import { SmtpTransport } from '../delivery/smtp-transport.js';

/** Where a scheduled queue's mail goes: the site (shared by every domain on the same hosts) and how. */
export interface Route {
  siteName: string;
  /** The ready-queue name's protocol part: `smtp_client`, `maildir:<template>`, `custom:<name>`. */
  protocol: string;
  hosts: PlannedHost[];
  /** A route the config names (mx_list, maildir, custom) rather than one found through DNS. */
  fixed: boolean;
  config: QueueConfig;
}

/**
 * The route for mail to `routingDomain` under `config`: its protocol, or SMTP to `mx_list` (tried
 * in order), or to the domain's MX hosts (site name by MX rollup). Throws core's DNS errors.
 */
export async function routeFor(routingDomain: string, config: QueueConfig, resolver: MxResolver): Promise<Route> {
  const p = config.protocol;
  if (p.kind === 'maildir') return { siteName: routingDomain, protocol: `maildir:${p.maildir_path}`, hosts: [], fixed: true, config };
  if (p.kind === 'custom') return { siteName: routingDomain, protocol: `custom:${p.name}`, hosts: [], fixed: true, config };
  if (p.mx_list) {
    const names = p.mx_list.map((e) => (e.port ? `${e.name}:${e.port}` : e.name));
    const hosts = p.mx_list.map((e, i) => ({ name: e.name, preference: i, addr: e.addr, port: e.port }));
    return { siteName: mxListSiteName(names), protocol: 'smtp_client', hosts, fixed: true, config };
  }
  const route = await resolver.route(routingDomain);
  return { siteName: route.siteName, protocol: 'smtp_client', hosts: route.hosts, fixed: false, config };
}

/** The transport a ready queue delivers with, for its route, path config and source. */
export function transportFor(route: Route, path: EgressPathConfig, source: EgressSource, resolver: MxResolver, defaultEhlo: string): Transport {
  const p = route.config.protocol;
  if (p.kind === 'maildir') return new MaildirTransport({ template: p.maildir_path, dirMode: p.dir_mode, fileMode: p.file_mode });
  if (p.kind === 'custom') return new CustomTransport(p.name, p.deliver);
  return new SmtpTransport({ hosts: route.hosts, fixedRoute: route.fixed, path, source, resolver, defaultEhlo });
}
