import type { MxResolver } from '@mtakit/core/dns';
import { LRUCache } from 'lru-cache';
import { domainPart } from '../content/address.js';
import { campaignKey } from '../keys.js';
import { whenReady } from '../maybe-async.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

/** Names the mailbox provider of a recipient domain (its site name, say); the same name for all domains one provider serves. */
export type ProviderResolver = (domain: string) => string | Promise<string>;

/**
 * Providers by MX rollup: the domain's site name from core's `MxResolver` (gmail.com and
 * googlemail.com fold into one), remembered for `ttlMs` (default 5 minutes) so warm lookups are
 * synchronous. A domain whose MX cannot be resolved counts as its own provider (for a minute).
 *
 * With `wait: false` no message waits on DNS: a domain not resolved yet counts as itself while
 * its MX is looked up in the background. A cold lookup can take longer than a stage's budget, and
 * a skipped stage flags the message; one mis-counted message per new domain does not move a mix.
 */
export function providerFromMx(mx: MxResolver, options: { maxEntries?: number; ttlMs?: number; wait?: boolean } = {}): ProviderResolver {
  const ttl = options.ttlMs ?? 300_000;
  // ttlResolution 0: no timer per millisecond to cache "now" (see CampaignCache).
  const sites = new LRUCache<string, string>({ max: options.maxEntries ?? 50_000, ttl, ttlResolution: 0 });
  const lookup = (domain: string) => mx.route(domain).then(
    (route) => {
      sites.set(domain, route.siteName);
      return route.siteName;
    },
    () => {
      // Remembered for at most a minute, as the resolver remembers failures: a domain that does
      // not resolve must not cost a lookup per message.
      sites.set(domain, domain, { ttl: Math.min(ttl, 60_000) });
      return domain;
    },
  );
  const wait = options.wait ?? true;
  return (domain) => {
    const known = sites.get(domain);
    if (known !== undefined) return known;
    if (wait) return lookup(domain);
    void lookup(domain);
    return domain;
  };
}

export interface ProviderMixStageOptions {
  /** Default: each recipient domain is its own provider (no MX rollup). */
  resolve?: ProviderResolver;
  /** Default weight. Default 0.3. */
  weight?: number;
  /** Recipients a campaign needs before its mix is judged. Default 100. */
  minCampaignSample?: number;
  /** Recipients the tenant's other traffic needs to form a norm. Default 500. */
  minNorm?: number;
  /** Providers counted per tenant; later ones are pooled as "other". Default 5,000. */
  maxProviders?: number;
  /** Tenants and campaigns tracked. Default 2,000 and 10,000. */
  maxTenants?: number;
  maxCampaigns?: number;
}

interface Mix {
  counts: Map<string, number>;
  total: number;
}

interface CampaignMix extends Mix {
  /** The last judgement and the campaign size it was made at (recomputed as the campaign grows 5%). */
  judged?: { at: number; outcome: StageOutcome };
}

const OTHER = '(other)';
const ACTION = 'Check where this list came from: its recipients are not spread across mailbox providers like the tenant’s usual audience.';

/**
 * Mailbox-provider distribution dimension: how far a campaign's share of recipients per provider
 * is from the tenant's norm (its other traffic), as total variation distance — half the sum of
 * the share differences, 0 for the same mix and 1 for disjoint ones.
 */
export function providerMixStage(options: ProviderMixStageOptions = {}): Stage {
  const resolve = options.resolve ?? ((domain: string) => domain);
  const minCampaign = options.minCampaignSample ?? 100;
  const minNorm = options.minNorm ?? 500;
  const maxProviders = options.maxProviders ?? 5_000;
  const tenants = new LRUCache<string, Mix>({ max: options.maxTenants ?? 2_000 });
  const campaigns = new LRUCache<string, CampaignMix>({ max: options.maxCampaigns ?? 10_000 });
  const providerOf = new WeakMap<StageInput, string>();

  const judge = (campaign: CampaignMix, tenant: Mix | undefined): StageOutcome => {
    const s = new Signals();
    const normTotal = (tenant?.total ?? 0) - campaign.total;
    if (campaign.total < minCampaign || !tenant || normTotal < minNorm) return s.outcome();
    let distance = 0;
    let worst = { provider: '', campaignShare: 0, normShare: 0 };
    for (const provider of new Set([...campaign.counts.keys(), ...tenant.counts.keys()])) {
      const c = campaign.counts.get(provider) ?? 0;
      const campaignShare = c / campaign.total;
      const normShare = ((tenant.counts.get(provider) ?? 0) - c) / normTotal;
      distance += Math.abs(campaignShare - normShare) / 2;
      if (campaignShare - normShare > worst.campaignShare - worst.normShare) worst = { provider, campaignShare, normShare };
    }
    if (distance >= 0.25) {
      s.add(Math.min(70, 150 * (distance - 0.2)),
        `this campaign's provider mix is ${distance.toFixed(2)} from the tenant's norm: ${pct(worst.campaignShare)} go to ${worst.provider} vs ${pct(worst.normShare)} usually`, ACTION);
    }
    return s.outcome();
  };

  const score = (input: StageInput, provider: string): StageOutcome => {
    providerOf.set(input, provider);
    const campaign = campaigns.get(campaignKey(input));
    if (input.campaign === '' || !campaign) return new Signals().outcome();
    if (!campaign.judged || campaign.total - campaign.judged.at >= Math.max(1, campaign.judged.at / 20)) {
      campaign.judged = { at: campaign.total, outcome: judge(campaign, tenants.get(input.tenant)) };
    }
    return campaign.judged.outcome;
  };

  return {
    name: 'provider_mix',
    scope: 'message',
    weight: options.weight ?? 0.3,
    run(input) {
      return whenReady(resolve(domainPart(input.message.recipient)), (provider) => score(input, provider));
    },
    observe(input) {
      const provider = providerOf.get(input);
      if (provider === undefined) return;
      let tenant = tenants.get(input.tenant);
      if (!tenant) tenants.set(input.tenant, (tenant = { counts: new Map(), total: 0 }));
      const key = tenant.counts.has(provider) || tenant.counts.size < maxProviders ? provider : OTHER;
      count(tenant, key);
      if (input.campaign === '') return;
      let campaign = campaigns.get(campaignKey(input));
      if (!campaign) campaigns.set(campaignKey(input), (campaign = { counts: new Map(), total: 0 }));
      count(campaign, key);
    },
  };
}

function count(mix: Mix, provider: string): void {
  mix.counts.set(provider, (mix.counts.get(provider) ?? 0) + 1);
  mix.total++;
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}
