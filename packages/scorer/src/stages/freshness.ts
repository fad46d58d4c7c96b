import { LRUCache } from 'lru-cache';
import type { FreshnessStore, RecipientHistory } from '../freshness-store.js';
import { campaignKey } from '../keys.js';
import { whenReady } from '../maybe-async.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface FreshnessStageOptions {
  store: FreshnessStore;
  /** Default weight. Default 0.5. */
  weight?: number;
  /** A recipient whose last engagement is older than this is stale, ms. Default 180 days. */
  staleAfterMs?: number;
  /** Recipients a campaign needs before its overall freshness is judged. Default 50. */
  minCampaignSample?: number;
  /** Campaigns whose tallies are kept. Default 10,000. */
  maxCampaigns?: number;
}

type Status = 'known' | 'new' | 'stale';

interface Tally {
  seen: number;
  unfamiliar: number;
}

const DAY = 86_400_000;
const ACTION = 'Send only to recipients who opted in recently; re-confirm old or imported lists before mailing them.';

/**
 * List-freshness dimension. Per recipient: never sent to before, or engaged last longer ago than
 * `staleAfterMs`. Per campaign: the share of such recipients among those accepted so far, which
 * is what reveals an imported or purchased list.
 */
export function freshnessStage(options: FreshnessStageOptions): Stage {
  const { store } = options;
  const staleAfter = options.staleAfterMs ?? 180 * DAY;
  const minSample = options.minCampaignSample ?? 50;
  const tallies = new LRUCache<string, Tally>({ max: options.maxCampaigns ?? 10_000 });
  const statusOf = new WeakMap<StageInput, Status>();

  const score = (input: StageInput, history: RecipientHistory | undefined): StageOutcome => {
    const s = new Signals();
    const status: Status = history?.lastSentAt === undefined ? 'new' : history.lastEngagedAt !== undefined && input.now - history.lastEngagedAt > staleAfter ? 'stale' : 'known';
    statusOf.set(input, status);
    if (status === 'new') s.add(30, 'the recipient was never sent to before', ACTION);
    else if (status === 'stale') s.add(25, `the recipient last engaged ${Math.floor((input.now - (history?.lastEngagedAt ?? 0)) / DAY)} days ago`, ACTION);
    const tally = tallies.get(campaignKey(input));
    if (input.campaign !== '' && tally && tally.seen >= minSample) {
      const share = tally.unfamiliar / tally.seen;
      if (share >= 0.3) {
        s.add(Math.min(70, 100 * (share - 0.2)), `${Math.round(share * 100)}% of the ${tally.seen} recipients of this campaign so far were never sent to or long unengaged`, ACTION);
      }
    }
    return s.outcome();
  };

  return {
    name: 'list_freshness',
    scope: 'message',
    weight: options.weight ?? 0.5,
    run(input) {
      return whenReady(store.get(input.tenant, input.message.recipient), (history) => score(input, history));
    },
    observe(input) {
      const status = statusOf.get(input);
      if (status === undefined || input.campaign === '') return;
      const key = campaignKey(input);
      const tally = tallies.get(key) ?? { seen: 0, unfamiliar: 0 };
      tally.seen++;
      if (status !== 'known') tally.unfamiliar++;
      tallies.set(key, tally);
    },
  };
}
