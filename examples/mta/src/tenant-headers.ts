import type { Message, Policy } from '@mtakit/core';

/**
 * The example's default for tenant and campaign: the `X-Tenant` and `X-Campaign` headers an
 * injecting application sets become the `tenant` / `campaign` meta (which name the scheduled
 * queue), and are stripped so they never reach recipients. An authenticated client's tenant wins
 * over the header, so one tenant cannot send as another.
 */
export const tenantHeaders: Policy = {
  smtp_server_message_received: (message) => importHeaders(message),
  http_message_generated: (message) => importHeaders(message),
};

function importHeaders(message: Message): void {
  for (const [header, key] of [['X-Tenant', 'tenant'], ['X-Campaign', 'campaign']] as const) {
    const value = message.getFirstHeader(header)?.trim();
    if (value === undefined) continue;
    if (value !== '' && message.metaString(key) === undefined) message.setMeta(key, value);
    message.removeAllHeaders(header);
  }
}
