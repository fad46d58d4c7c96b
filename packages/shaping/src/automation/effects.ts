import { createHash } from 'node:crypto';
import {
  INTERNAL_RESPONSE_PREFIX, parseQueueName, responseLine, type LogRecord, type LogRecordType,
} from '@mtakit/core';
import type { CandidateRule } from '../rules/rule-set.js';
import type { AutomationAction, AutomationRule } from './rule.js';

interface EffectBase {
  /** Stable per (rule, action, ready queue[, scheduled-queue scope]): a re-trigger replaces it with a later expiry. */
  readonly id: string;
  /** Ms since the epoch: the triggering record's time plus the rule's duration. */
  readonly expires: number;
  readonly reason: string;
  /** The rule that produced the effect. */
  readonly rule: { readonly hash: string; readonly file: string; readonly block: string };
}

/** `Suspend`: stop the ready queue (egress path) the failure came from. */
export interface ReadyQueueSuspension extends EffectBase {
  readonly kind: 'suspend-ready-queue';
  /** The ready queue name, `source->site@smtp_client`. */
  readonly name: string;
  readonly source: string;
  readonly siteName: string;
}

/** `SetConfig` / `SetDomainConfig`: override one path parameter for a source. */
export interface ConfigEffect extends EffectBase {
  readonly kind: 'config';
  /** `site`: every domain of the site (rules from default and site blocks); `domain`: this domain only. */
  readonly scope: 'site' | 'domain';
  readonly domain: string;
  readonly siteName: string;
  readonly source: string;
  readonly name: string;
  readonly value: unknown;
}

/** `SuspendTenant` / `SuspendCampaign`: hold the scheduled queues of a tenant (or campaign) for a domain. */
export interface ScheduledSuspension extends EffectBase {
  readonly kind: 'suspend-scheduled';
  readonly domain: string;
  readonly tenant: string;
  readonly campaign: string | undefined;
}

/** `Bounce` / `BounceTenant` / `BounceCampaign`: bounce matching scheduled messages while active. */
export interface ScheduledBounce extends EffectBase {
  readonly kind: 'bounce-scheduled';
  readonly domain: string;
  readonly tenant: string | undefined;
  readonly campaign: string | undefined;
}

export type AutomationEffect = ReadyQueueSuspension | ConfigEffect | ScheduledSuspension | ScheduledBounce;

/**
 * Record types automation never looks at (KumoMTA's default skip set, plus mtakit's own
 * non-delivery records): they are not answers from a receiving site.
 */
export const DEFAULT_SKIP_RECORD_TYPES: ReadonlySet<LogRecordType> = new Set([
  'AdminRebind', 'Delayed', 'Reception', 'Rejection', 'PreSendVerdict', 'Suppressed',
]);

/** What automation needs from a log record. */
export interface RecordContext {
  readonly domain: string;
  readonly source: string;
  /** The ready queue name (`record.site`). */
  readonly readyQueue: string;
  /** The site name inside it. */
  readonly siteName: string;
  readonly tenant: string | undefined;
  readonly campaign: string | undefined;
  /** `"<code> <c.s.d> <text>"`. */
  readonly response: string;
  readonly internal: boolean;
  /** Record time, ms. */
  readonly at: number;
}

/** Reads a record; undefined when automation has nothing to do with it (skipped type, no path, postmaster). */
export function recordContext(record: LogRecord, skip: ReadonlySet<LogRecordType> = DEFAULT_SKIP_RECORD_TYPES): RecordContext | undefined {
  if (skip.has(record.type) || !record.site) return undefined;
  const recipient = Array.isArray(record.recipient) ? record.recipient[0] : record.recipient;
  const at = recipient?.lastIndexOf('@') ?? -1;
  if (!recipient || at === -1) return undefined;
  const source = record.egress_source ?? 'unspecified';
  const prefix = `${source}->`;
  const siteName = (record.site.startsWith(prefix) ? record.site.slice(prefix.length) : record.site).replace(/@smtp_client$/, '');
  const queue = parseQueueName(record.queue);
  return {
    domain: recipient.slice(at + 1).toLowerCase(),
    source,
    readyQueue: record.site,
    siteName,
    tenant: queue.tenant,
    campaign: queue.campaign,
    response: responseLine(record.response),
    internal: record.response.content.startsWith(INTERNAL_RESPONSE_PREFIX),
    at: record.timestamp * 1000,
  };
}

/** The threshold window a match counts in: per rule and per egress path, like KumoMTA's TSA. */
export function thresholdScope(rule: AutomationRule, ctx: RecordContext): string {
  return `${rule.hash}@${ctx.readyQueue}`;
}

/**
 * The effects of a triggered rule. Tenant effects need a tenant in the scheduled queue name and
 * are skipped without one (as KumoMTA does); plain Bounce keeps a tenant when there is one.
 */
export function effectsFor({ rule, rollup }: CandidateRule, ctx: RecordContext): AutomationEffect[] {
  const expires = ctx.at + rule.durationMs;
  const base = (action: AutomationAction, scope: string, reason: string) => ({
    id: hash(rule.hash, JSON.stringify(action), ctx.readyQueue, scope),
    expires,
    reason,
    rule: { hash: rule.hash, file: rule.origin.file, block: rule.origin.block },
  });
  const why = `automation rule: ${describeRegex(rule)}`;
  const out: AutomationEffect[] = [];
  for (const action of rule.actions) {
    switch (action.type) {
      case 'Suspend':
        out.push({ ...base(action, '', why), kind: 'suspend-ready-queue', name: ctx.readyQueue, source: ctx.source, siteName: ctx.siteName });
        break;
      case 'SetConfig':
      case 'SetDomainConfig': {
        const scope = action.type === 'SetConfig' && rollup ? 'site' : 'domain';
        out.push({
          ...base(action, scope === 'domain' ? ctx.domain : '', why),
          kind: 'config', scope, domain: ctx.domain, siteName: ctx.siteName, source: ctx.source, name: action.name, value: action.value,
        });
        break;
      }
      case 'SuspendTenant':
      case 'SuspendCampaign': {
        if (!ctx.tenant) break;
        const campaign = action.type === 'SuspendCampaign' ? ctx.campaign : undefined;
        const scope = `${ctx.domain}|${ctx.tenant}|${campaign ?? ''}`;
        out.push({ ...base(action, scope, `${why} ${describeScope(ctx.domain, ctx.tenant, campaign)}`), kind: 'suspend-scheduled', domain: ctx.domain, tenant: ctx.tenant, campaign });
        break;
      }
      case 'Bounce':
      case 'BounceTenant':
      case 'BounceCampaign': {
        if (action.type !== 'Bounce' && !ctx.tenant) break;
        const campaign = action.type === 'BounceCampaign' ? ctx.campaign : undefined;
        const scope = `${ctx.domain}|${ctx.tenant ?? ''}|${campaign ?? ''}`;
        out.push({ ...base(action, scope, `${why} ${describeScope(ctx.domain, ctx.tenant, campaign)}`), kind: 'bounce-scheduled', domain: ctx.domain, tenant: ctx.tenant, campaign });
        break;
      }
    }
  }
  return out;
}

function describeRegex(rule: AutomationRule): string {
  const sources = rule.regex.map((r) => r.source);
  return sources.length === 1 ? (sources[0] as string) : `(${sources.join(',')})`;
}

function describeScope(domain: string, tenant: string | undefined, campaign: string | undefined): string {
  return [`domain=${domain}`, tenant && `tenant=${tenant}`, campaign && `campaign=${campaign}`].filter(Boolean).join(' ');
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}
