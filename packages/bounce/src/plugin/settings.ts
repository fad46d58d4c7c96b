import { join } from 'node:path';
import type { SuppressionPolicyOptions } from '../suppression/index.js';

/** How the bounce plugin handles bounces, complaints and suppression (see docs/suppression.md). */
export interface BounceSettings {
  /** Domains whose mail is read as bounces and feedback reports (log_oob and log_arf = LogThenDrop). */
  bounceDomains: string[];
  /** Domains whose mail is read as feedback reports only (log_arf = LogThenDrop). */
  feedbackDomains: string[];
  /** KumoMTA-format rule files tried before the built-in rules (absolute). */
  ruleFiles: string[];
  /** A module exporting `rewrite_bounce_classification` (absolute). */
  hooks: string | undefined;
  trace: { enabled: boolean; secret: string | undefined; includeMeta: string[] };
  /** VERP return paths: `<prefix>+<id>-<local>=<domain>@<domain>`. */
  verp: { domain: string; prefix: string } | undefined;
  suppression: {
    /** `reject` the recipient at RCPT (default), `log` a Suppressed record and drop the message, or `off`. */
    mode: 'reject' | 'log' | 'off';
    /** A journal path (absolute), or a redis:// URL. */
    store: string;
    policy: SuppressionPolicyOptions;
  };
  unsubscribe: { listen: { host: string; port: number } | undefined; url: string | undefined; secret: string | undefined };
}

/** The bounce plugin's options: every setting may be left out. */
export interface BounceOptions {
  bounceDomains?: readonly string[] | undefined;
  feedbackDomains?: readonly string[] | undefined;
  ruleFiles?: readonly string[] | undefined;
  hooks?: string | undefined;
  trace?: { enabled?: boolean | undefined; secret?: string | undefined; includeMeta?: readonly string[] | undefined } | undefined;
  verp?: { domain: string; prefix?: string | undefined } | undefined;
  suppression?: { mode?: BounceSettings['suppression']['mode'] | undefined; store?: string | undefined; policy?: SuppressionPolicyOptions | undefined } | undefined;
  unsubscribe?: Partial<BounceSettings['unsubscribe']> | undefined;
}

/**
 * The settings with their defaults: messages unchanged and no reports read unless configured,
 * suppressed recipients refused at RCPT, the list in `<dataDir>/suppression.jsonl`. Once the MTA
 * receives reports (bounce/feedback domains or VERP) it stamps the trace header so they can be
 * tied back; with a trace secret, only reports proven by the signed header are trusted.
 */
export function resolveBounceSettings(o: BounceOptions, dataDir: string): BounceSettings {
  const bounceDomains = [...(o.bounceDomains ?? [])];
  const feedbackDomains = [...(o.feedbackDomains ?? [])];
  const secret = o.trace?.secret;
  const receivesReports = bounceDomains.length > 0 || feedbackDomains.length > 0 || o.verp !== undefined;
  return {
    bounceDomains,
    feedbackDomains,
    ruleFiles: [...(o.ruleFiles ?? [])],
    hooks: o.hooks,
    trace: { enabled: o.trace?.enabled ?? receivesReports, secret, includeMeta: [...(o.trace?.includeMeta ?? [])] },
    verp: o.verp ? { domain: o.verp.domain.toLowerCase(), prefix: o.verp.prefix ?? 'bounces' } : undefined,
    suppression: {
      mode: o.suppression?.mode ?? 'reject',
      store: o.suppression?.store ?? join(dataDir, 'suppression.jsonl'),
      policy: { ...o.suppression?.policy, trust: o.suppression?.policy?.trust ?? (secret ? 'verified' : 'correlated') },
    },
    unsubscribe: { listen: o.unsubscribe?.listen, url: o.unsubscribe?.url, secret: o.unsubscribe?.secret },
  };
}
