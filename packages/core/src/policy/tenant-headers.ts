import type { Message } from '../message/message.js';
import type { Policy } from './events.js';

/**
 * Tenant and campaign from headers: the `X-Tenant` and `X-Campaign` headers an injecting
 * application sets become the `tenant` / `campaign` meta (which name the scheduled queue), and
 * are stripped so they never reach recipients. An authenticated client's tenant wins over the
 * header, so one tenant cannot send as another. Idempotent: running it twice changes nothing.
 */
export const tenantHeaders: Policy = {
  smtp_server_message_received: (message) => importTenantHeaders(message),
  http_message_generated: (message) => importTenantHeaders(message),
};

export function importTenantHeaders(message: Message): void {
  for (const [header, key] of [['X-Tenant', 'tenant'], ['X-Campaign', 'campaign']] as const) {
    const value = message.getFirstHeader(header)?.trim();
    if (value === undefined) continue;
    if (value !== '' && message.metaString(key) === undefined) message.setMeta(key, value);
    message.removeAllHeaders(header);
  }
}
