import { ConfigError, reject, type Message, type QueueConfigInput } from '@mtakit/core';
import { validateConfig } from '../kumo/config-objects.js';
import { importSchedulingHeader } from '../kumo/message-extras.js';

/**
 * The data behind `policy-extras.queue` (KumoMTA's queues.toml): top-level options (which headers
 * carry tenant and campaign, the default tenant), `[tenant.NAME]` blocks, and queue blocks keyed
 * `[queue.default]`, `[queue.DOMAIN]`, `[queue.DOMAIN.TENANT]`, `[queue.DOMAIN.TENANT.CAMPAIGN]`.
 * Pure functions over parsed files; the Lua binding is in queue.ts.
 */
export interface QueueHelperOptions {
  scheduling_header?: string;
  tenant_header?: string;
  remove_tenant_header?: boolean;
  campaign_header?: string;
  remove_campaign_header?: boolean;
  default_tenant?: string;
}

type Block = Record<string, unknown>;

export interface QueueHelperData {
  options: QueueHelperOptions;
  tenants: Record<string, Block>;
  /** Keyed by domain (or `*.suffix`, or `default`); nested tables are tenant and campaign blocks. */
  queues: Record<string, Block>;
}

const OPTION_TYPES: Record<keyof QueueHelperOptions, 'string' | 'boolean'> = {
  scheduling_header: 'string',
  tenant_header: 'string',
  remove_tenant_header: 'boolean',
  campaign_header: 'string',
  remove_campaign_header: 'boolean',
  default_tenant: 'string',
};

function isTable(v: unknown): v is Block {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Merges `src` into `dest`, tables recursively, other values replaced. */
function mergeInto(dest: Block, src: Block): Block {
  for (const [k, v] of Object.entries(src)) {
    const existing = dest[k];
    dest[k] = isTable(v) && isTable(existing) ? mergeInto(existing, v) : isTable(v) ? mergeInto({}, v) : v;
  }
  return dest;
}

/** A queue-config option (as opposed to a nested tenant/campaign block). */
function isQueueOption(name: string, value: unknown): boolean {
  return name === 'protocol' || !isTable(value);
}

function queueOptions(block: Block | undefined, except: readonly string[] = []): Block {
  const out: Block = {};
  for (const [k, v] of Object.entries(block ?? {})) if (isQueueOption(k, v) && !except.includes(k)) out[k] = v;
  return out;
}

/** Merges the parsed files in order (later files win) and validates every block. */
export function mergeQueueFiles(files: ReadonlyArray<{ name: string; data: unknown }>): QueueHelperData {
  const merged: QueueHelperData = { options: {}, tenants: {}, queues: {} };
  for (const { name, data } of files) {
    if (!isTable(data)) throw new ConfigError(name, data, 'must be a table');
    for (const [k, v] of Object.entries(data)) {
      if (k === 'tenant' || k === 'queue') {
        if (!isTable(v)) throw new ConfigError(`${name}: ${k}`, v, 'must be a table of named blocks');
        mergeInto(k === 'tenant' ? merged.tenants : merged.queues, v);
      } else if (k in OPTION_TYPES) {
        if (typeof v !== OPTION_TYPES[k as keyof QueueHelperOptions]) throw new ConfigError(`${name}: ${k}`, v, `must be a ${OPTION_TYPES[k as keyof QueueHelperOptions]}`);
        (merged.options as Block)[k] = v;
      } else {
        throw new ConfigError(`${name}: ${k}`, v, `is not a queue helper option (${Object.keys(OPTION_TYPES).join(', ')}, [tenant.NAME], [queue.DOMAIN])`);
      }
    }
  }
  validate(merged);
  return merged;
}

function validate(data: QueueHelperData): void {
  const check = (where: string, block: Block | undefined, except: readonly string[] = []): void => {
    try {
      validateConfig('queue', queueOptions(block, except));
    } catch (error) {
      throw new ConfigError(where, block, (error as Error).message, { cause: error });
    }
  };
  for (const [tenant, block] of Object.entries(data.tenants)) {
    const authz = block['require_authz'];
    if (authz !== undefined && !(Array.isArray(authz) && authz.every((a) => typeof a === 'string'))) {
      throw new ConfigError(`tenant.${tenant}.require_authz`, authz, 'must be a list of identities');
    }
    check(`tenant.${tenant}`, block, ['require_authz']);
  }
  for (const [domain, block] of Object.entries(data.queues)) {
    check(`queue.${domain}`, block, HELPER_KEYS);
    for (const [tenant, tenantBlock] of Object.entries(block)) {
      if (!isTable(tenantBlock) || tenant === 'protocol') continue;
      check(`queue.${domain}.${tenant}`, tenantBlock, HELPER_KEYS);
      for (const [campaign, campaignBlock] of Object.entries(tenantBlock)) {
        if (isTable(campaignBlock) && campaign !== 'protocol') check(`queue.${domain}.${tenant}.${campaign}`, campaignBlock, HELPER_KEYS);
      }
    }
    for (const block of queueBlocks(data, domain)) {
      if (block['routing_domain'] !== undefined && typeof block['routing_domain'] !== 'string') {
        throw new ConfigError(`queue.${domain}.routing_domain`, block['routing_domain'], 'must be a domain name or [address]');
      }
    }
  }
}

/** Keys of queue blocks the helper applies to the message itself, not to the queue config. */
const HELPER_KEYS = ['routing_domain'];

/** Every block below `[queue.DOMAIN]`, the domain's own included. */
function queueBlocks(data: QueueHelperData, domain: string): Block[] {
  const block = data.queues[domain] ?? {};
  const tenants = Object.entries(block).filter(([k, v]) => k !== 'protocol' && isTable(v)).map(([, v]) => v as Block);
  return [block, ...tenants, ...tenants.flatMap((t) => Object.entries(t).filter(([k, v]) => k !== 'protocol' && isTable(v)).map(([, v]) => v as Block))];
}

/** The block for a domain: exact name first, then the longest matching `*.suffix` entry. */
function domainBlock(queues: Record<string, Block>, domain: string): Block | undefined {
  const exact = queues[domain];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(queues)) {
    if (key.startsWith('*.') && domain.endsWith(key.slice(1)) && (!best || key.length > best.length)) best = key;
  }
  return best ? queues[best] : undefined;
}

/**
 * Queue config for (domain, tenant, campaign): default, then domain, then tenant, then
 * domain+tenant, then domain+tenant+campaign, later blocks overriding earlier ones. Undefined when
 * no block says anything (so other handlers and the defaults apply).
 */
export function resolveQueueParams(data: QueueHelperData, domain: string, tenant?: string, campaign?: string): QueueConfigInput | undefined {
  const { domainConfig, tenantConfig, campaignConfig } = blocksFor(data, domain, tenant, campaign);
  const params: Block = {
    ...queueOptions(data.queues['default'], HELPER_KEYS),
    ...queueOptions(domainConfig, HELPER_KEYS),
    ...queueOptions(tenant !== undefined ? data.tenants[tenant] : undefined, ['require_authz']),
    ...queueOptions(tenantConfig, HELPER_KEYS),
    ...queueOptions(campaignConfig, HELPER_KEYS),
  };
  return Object.keys(params).length === 0 ? undefined : (params as QueueConfigInput);
}

function blocksFor(data: QueueHelperData, domain: string, tenant?: string, campaign?: string) {
  const domainConfig = domainBlock(data.queues, domain);
  const tenantConfig = tenant !== undefined && isTable(domainConfig?.[tenant]) ? (domainConfig[tenant] as Block) : undefined;
  const campaignConfig = campaign !== undefined && isTable(tenantConfig?.[campaign]) ? (tenantConfig[campaign] as Block) : undefined;
  return { domainConfig, tenantConfig, campaignConfig };
}

/**
 * The routing_domain of the most specific block (campaign, then tenant, then domain) for the
 * message's recipient domain, tenant and campaign: where the queue delivers instead of the MX of
 * the recipient domain (e.g. `[10.0.0.1]` for a domain relayed inward).
 */
function routingDomain(data: QueueHelperData, message: Message): string | undefined {
  const { domainConfig, tenantConfig, campaignConfig } = blocksFor(data, message.recipientDomain, message.metaString('tenant'), message.metaString('campaign'));
  const pick = (b: Block | undefined) => b?.['routing_domain'] as string | undefined;
  return pick(campaignConfig) ?? pick(tenantConfig) ?? pick(domainConfig) ?? pick(data.queues['default']);
}

/**
 * Applies the scheduling header (a JSON `first_attempt`/`expires` object, removed), sets tenant
 * and campaign meta from the configured headers (removing them if asked) or the
 * default tenant. Refuses (5xx) a tenant that is not defined or that the client's AUTH identity
 * (`authz_id` meta) may not use.
 */
export function applyQueueHelper(data: QueueHelperData, message: Message): void {
  const { options } = data;
  if (options.scheduling_header) importSchedulingHeader(message, options.scheduling_header, true);
  if (options.campaign_header) {
    const campaign = message.getFirstHeader(options.campaign_header);
    if (campaign !== undefined) {
      message.setMeta('campaign', campaign);
      if (options.remove_campaign_header) message.removeAllHeaders(options.campaign_header);
    }
  }
  let tenant: string | undefined;
  let source = '';
  if (options.tenant_header) {
    tenant = message.getFirstHeader(options.tenant_header);
    source = `the ${options.tenant_header} header`;
    if (tenant !== undefined && options.remove_tenant_header) message.removeAllHeaders(options.tenant_header);
  }
  if (tenant === undefined && options.default_tenant) {
    tenant = options.default_tenant;
    source = 'default_tenant';
  }
  if (tenant !== undefined) applyTenant(data, message, tenant, source);
  const routing = routingDomain(data, message);
  if (routing !== undefined) message.setMeta('routing_domain', routing);
}

function applyTenant(data: QueueHelperData, message: Message, tenant: string, source: string): void {
  const definition = data.tenants[tenant];
  if (!definition) reject(550, `tenant ${JSON.stringify(tenant)} (from ${source}) is not defined in the queue config`, '5.7.1');
  const allowed = definition['require_authz'] as string[] | undefined;
  if (allowed) {
    const authz = message.metaString('authz_id');
    if (authz === undefined) reject(550, `tenant ${JSON.stringify(tenant)} requires SMTP AUTH`, '5.7.1');
    if (!allowed.includes(authz)) reject(550, `${JSON.stringify(authz)} may not send as tenant ${JSON.stringify(tenant)}`, '5.7.1');
  }
  message.setMeta('tenant', tenant);
}
