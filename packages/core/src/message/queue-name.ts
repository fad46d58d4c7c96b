import type { MessageMeta } from './message.js';

/**
 * Scheduled queue names, exactly as KumoMTA builds them:
 * `campaign:tenant@domain!routing_domain`, with missing parts (and their punctuation) dropped.
 * A `queue` meta value overrides the computed name. The name `null` means "accept and discard".
 */
export interface QueueNameParts {
  domain: string;
  tenant?: string | undefined;
  campaign?: string | undefined;
  routing_domain?: string | undefined;
}

export const NULL_QUEUE = 'null';

export function formatQueueName(parts: QueueNameParts): string {
  const { domain, tenant, campaign, routing_domain } = parts;
  let name = '';
  if (campaign) name += `${campaign}:`;
  if (tenant) name += `${tenant}@`;
  else if (campaign) name += '@';
  name += domain;
  if (routing_domain) name += `!${routing_domain}`;
  return name;
}

/** Splits a queue name back into its parts (inverse of formatQueueName). */
export function parseQueueName(name: string): QueueNameParts {
  let rest = name;
  let routing_domain: string | undefined;
  const bang = rest.lastIndexOf('!');
  if (bang !== -1) {
    routing_domain = rest.slice(bang + 1);
    rest = rest.slice(0, bang);
  }
  const at = rest.lastIndexOf('@');
  const domain = rest.slice(at + 1);
  let tenant: string | undefined;
  let campaign: string | undefined;
  if (at !== -1) {
    const prefix = rest.slice(0, at);
    const colon = prefix.indexOf(':');
    if (colon === -1) tenant = prefix || undefined;
    else {
      campaign = prefix.slice(0, colon) || undefined;
      tenant = prefix.slice(colon + 1) || undefined;
    }
  }
  return { domain, tenant, campaign, routing_domain };
}

function str(meta: MessageMeta, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The scheduled queue a message belongs to, from its meta and recipient domain. */
export function queueNameFor(meta: MessageMeta, recipientDomain: string): string {
  return (
    str(meta, 'queue') ??
    formatQueueName({
      domain: recipientDomain,
      tenant: str(meta, 'tenant'),
      campaign: str(meta, 'campaign'),
      routing_domain: str(meta, 'routing_domain'),
    })
  );
}
