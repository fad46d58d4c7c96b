import { importTenantHeaders, type ConnectionMeta, type ListenerDomainInput, type LogBus, type Message, type Policy } from '@mtakit/core';
import type { BounceClassifier } from '../classifier.js';
import type { ReportListenerDomain } from '../report-listener.js';
import {
  normalizeRecipient, suppressedRecord, suppressionError, unsubscribeHeaders, type SuppressionEntry, type SuppressionStore,
} from '../suppression/index.js';
import { buildTraceHeader, TRACE_HEADER } from '../trace.js';
import { encodeVerp } from '../verp.js';
import type { BounceSettings } from './settings.js';

export interface BouncesPolicyDeps {
  settings: BounceSettings;
  store: SuppressionStore;
  /** Classifies the replies quoted in inbound reports (the same one the queue uses). */
  classifier: () => BounceClassifier;
  log: LogBus;
  nodeId: string;
}

/**
 * The policy layer of the bounce plugin:
 * - `get_listener_domain`: the bounce and feedback domains are report domains (LogThenDrop);
 * - `smtp_server_rcpt_to`: a suppressed recipient is refused (550 5.1.1 / 5.7.1) in `reject` mode,
 *   for global entries and the authenticated client's tenant;
 * - `smtp_server_message_received` / `http_message_generated`: a suppressed recipient (now that
 *   the tenant is known) is dropped with a `Suppressed` record; otherwise the message gets the
 *   trace header, a VERP return path and List-Unsubscribe headers, as configured.
 */
export function bouncesPolicy(deps: BouncesPolicyDeps): Policy {
  const { settings, store } = deps;
  const domains = listenerDomains(deps);
  const suppressing = settings.suppression.mode !== 'off';

  const prepare = async (message: Message): Promise<void> => {
    // Tenant and campaign must be settled before the check and the trace header; the example's
    // X-Tenant/X-Campaign import is idempotent, so running it here as well as later is harmless.
    importTenantHeaders(message);
    if (suppressing) {
      const entry = await checkMessage(store, message);
      if (entry) {
        message.setMeta('queue', 'null');
        await deps.log.publish(suppressedRecord(message, entry, { nodeId: deps.nodeId }));
        return;
      }
    }
    decorate(message, settings);
  };

  return {
    get_listener_domain: (domain) => domains.get(domain),
    ...(settings.suppression.mode === 'reject'
      ? {
          smtp_server_rcpt_to: async (recipient: string, conn: ConnectionMeta) => {
            const entry = await checkRecipient(store, recipient, typeof conn['tenant'] === 'string' ? conn['tenant'] : null);
            if (entry) throw suppressionError(entry);
          },
        }
      : {}),
    smtp_server_message_received: prepare,
    http_message_generated: prepare,
  };
}

/** The suppression entry that blocks this message's recipient for its tenant, if any. */
export function checkMessage(store: SuppressionStore, message: Message): Promise<SuppressionEntry | undefined> {
  return checkRecipient(store, message.recipient, message.metaString('tenant') ?? null);
}

async function checkRecipient(store: SuppressionStore, recipient: string, tenant: string | null): Promise<SuppressionEntry | undefined> {
  let normalized: string;
  try {
    normalized = normalizeRecipient(recipient);
  } catch {
    return undefined; // not an address the list could hold; the ingress judges its syntax
  }
  return store.check(normalized, tenant);
}

function listenerDomains(deps: BouncesPolicyDeps): Map<string, ListenerDomainInput> {
  const { settings } = deps;
  // A getter, so a reloaded classifier applies to the next report without rebuilding the policy.
  const reports = {
    ...(settings.trace.secret ? { traceSecret: settings.trace.secret } : {}),
    ...(settings.verp ? { verp: settings.verp } : {}),
    get classifier() {
      return deps.classifier();
    },
  };
  const map = new Map<string, ReportListenerDomain>();
  for (const d of settings.feedbackDomains) map.set(d, { log_arf: 'LogThenDrop', reports });
  for (const d of settings.bounceDomains) map.set(d, { log_oob: 'LogThenDrop', log_arf: 'LogThenDrop', reports });
  return map;
}

/** Trace header, VERP return path and List-Unsubscribe, as configured; existing List-Unsubscribe headers are kept as they are. */
function decorate(message: Message, settings: BounceSettings): void {
  if (settings.trace.enabled) {
    // Replace, never trust, a header the client sent: it would tie reports to someone else's mail.
    message.removeAllHeaders(TRACE_HEADER);
    message.prependHeader(TRACE_HEADER, buildTraceHeader(message, {
      includeMeta: settings.trace.includeMeta, ...(settings.trace.secret ? { secret: settings.trace.secret } : {}),
    }));
  }
  if (settings.verp && message.sender !== '') {
    try {
      message.sender = encodeVerp({ id: message.id, recipient: message.recipient }, settings.verp);
    } catch {
      // A quoted local part cannot be VERP-encoded: the message keeps its return path.
    }
  }
  const { url, secret } = settings.unsubscribe;
  if (url && secret && message.getFirstHeader('List-Unsubscribe') === undefined) {
    const headers = unsubscribeHeaders(url, { recipient: message.recipient, tenant: message.metaString('tenant') ?? null, campaign: message.metaString('campaign') ?? null }, secret);
    message.appendHeader('List-Unsubscribe', headers['List-Unsubscribe']);
    message.appendHeader('List-Unsubscribe-Post', headers['List-Unsubscribe-Post']);
  }
}
