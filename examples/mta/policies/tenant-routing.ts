// tenant-routing.lua written as a TypeScript policy module (the default export is a core Policy),
// with the sources and pools of sources.toml inline: `MTAKIT_POLICY=examples/mta/policies/tenant-routing.ts`.
import type { EgressPoolInput, Policy } from '@mtakit/core';

const TENANT_POOLS: Record<string, string> = { acme: 'acme', globex: 'globex' };
const SOURCES: Record<string, string> = { 'ip-1': '127.0.0.2', 'ip-2': '127.0.0.3', 'ip-3': '127.0.0.4' };
const POOLS: Record<string, string> = { acme: 'ip-1', globex: 'ip-2', shared: 'ip-3', mexico: 'ip-1', andean: 'ip-2' };

const policy: Policy = {
  smtp_server_message_received(msg) {
    if (msg.getMeta('tenant') === undefined) msg.setMeta('tenant', msg.getFirstHeader('X-Tenant') ?? 'shared');
    msg.removeAllHeaders('X-Tenant');
  },
  get_queue_config(_domain, tenant) {
    return { egress_pool: TENANT_POOLS[tenant ?? ''] ?? 'shared', retry_interval: '10 mins', max_age: '2 days' };
  },
  get_egress_source(name) {
    const address = SOURCES[name];
    return address === undefined ? undefined : { name, source_address: address };
  },
  get_egress_pool(name): EgressPoolInput | undefined {
    const source = POOLS[name];
    return source === undefined ? undefined : { name, entries: [{ name: source }] };
  },
};

export default policy;
