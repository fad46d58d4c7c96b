import {
  ConfigError, durationOption, systemClock,
  type Clock, type JsonValue, type LogBus, type PreSendResult, type QueueControl, type QueueSelector,
} from '@mtakit/core';
import { HttpInputError, type HttpListener, type HttpRequest } from '@mtakit/core/http';
import { overrideLogRecord } from '../log-record.js';
import { createHoldOverride, heldResultFromJson, holdOverrideJson, risksOf, type AcknowledgedRisk, type HoldOverride } from '../override.js';
import type { Scorer } from '../pipeline.js';
import type { ScorerMetrics } from './metrics.js';
import type { OverrideJournal } from './override-journal.js';

/** Meta of a held message: what the scorer found (`heldResultJson`), for the override that releases it. */
export const PRE_SEND_HOLD_META = 'pre_send_hold';
/** Meta of a released message: the override that released it (id, who, when, which risks). */
export const HOLD_OVERRIDE_META = 'hold_override';

/** Which held messages: the queue's selector fields, and optionally exact ids among them. */
export interface HeldSelector {
  tenant?: string | undefined;
  campaign?: string | undefined;
  domain?: string | undefined;
  ids?: string[] | undefined;
}

/** A release with an explicit override (the body of `POST /api/admin/held/release/v1`). */
export interface ReleaseRequest extends HeldSelector {
  /** Who takes the decision (operator id or email). */
  acknowledged_by: string;
  /**
   * The risk dimensions acknowledged (`links`, `content`…); they must cover every risk the
   * released messages carry. Without them `reason` is required and every risk is acknowledged.
   */
  acknowledged_risks?: string[] | undefined;
  /** Why (the override's note). */
  reason?: string | undefined;
  /** How long later holds of the campaign are lowered to flags ("2 days", or seconds). */
  duration?: string | number | undefined;
}

export interface ReleaseResult {
  released: number;
  /** One override per tenant and campaign released. */
  overrides: HoldOverride[];
}

/** Held mail of one tenant and campaign, with the risks a release would acknowledge. */
export interface HeldCampaign {
  tenant: string;
  campaign: string;
  ids: string[];
  /** Highest score among the messages, and the threshold it was held at. */
  score: number;
  threshold: number;
  risks: AcknowledgedRisk[];
}

export interface HeldMailOptions {
  queue: QueueControl;
  /** Told of every release, so later messages with only the acknowledged risks are flagged, not held. */
  scorer: Pick<Scorer, 'acknowledge'>;
  log: LogBus;
  /** Keeps overrides across restarts. Default: none (memory only). */
  journal?: OverrideJournal | undefined;
  metrics?: ScorerMetrics | undefined;
  /** Default: the system clock. */
  clock?: Clock | undefined;
  nodeId?: string | undefined;
  /** How long an acknowledgement lasts when a request gives no `duration`, ms. Default 7 days. */
  acknowledgementMs?: number | undefined;
}

/**
 * Held mail and its release with an explicit override: who acknowledged which risks, recorded on
 * each message (meta `hold_override`), in a PreSendVerdict log record per message, in the
 * override journal, and given to the scorer so the campaign is not held again for those risks.
 * The TypeScript API behind `POST /api/admin/held/release/v1`.
 */
export class HeldMail {
  readonly #o: HeldMailOptions;
  readonly #clock: Clock;

  constructor(options: HeldMailOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Held messages by tenant and campaign, with their merged risks. */
  async campaigns(selector: HeldSelector = {}): Promise<HeldCampaign[]> {
    return (await this.#held(selector)).map(({ results, ...c }) => {
      const worst = results.reduce((w, r) => (r.score > w.score ? r : w));
      return { ...c, score: worst.score, threshold: worst.threshold, risks: risksOf(results) };
    });
  }

  /** The held results of the selected messages, grouped by tenant and campaign. */
  async #held(selector: HeldSelector): Promise<Array<{ tenant: string; campaign: string; ids: string[]; results: PreSendResult[] }>> {
    const groups = new Map<string, { tenant: string; campaign: string; ids: string[]; results: PreSendResult[] }>();
    for (const { id } of this.#o.queue.listHeld(queueSelector(selector))) {
      if (selector.ids && !selector.ids.includes(id)) continue;
      let meta: Record<string, JsonValue>;
      try {
        meta = (await this.#o.queue.inspectMessage(id)).message.meta;
      } catch {
        continue; // bounced or released meanwhile
      }
      const tenant = typeof meta.tenant === 'string' ? meta.tenant : '';
      const campaign = typeof meta.campaign === 'string' ? meta.campaign : '';
      const key = JSON.stringify([tenant, campaign]);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { tenant, campaign, ids: [], results: [] }));
      group.ids.push(id);
      // Held by a policy rather than by the scorer: nothing scored, nothing to acknowledge.
      group.results.push(heldResultFromJson(meta[PRE_SEND_HOLD_META]) ?? { verdict: 'hold', score: 0, threshold: 0, breakdown: {}, actions: [] });
    }
    return [...groups.values()];
  }

  /**
   * Releases the selected held messages into their queues, one override per tenant and campaign.
   * Nothing is released when `acknowledged_risks` misses a risk of the selected mail.
   */
  async release(request: ReleaseRequest): Promise<ReleaseResult> {
    if (typeof request.acknowledged_by !== 'string' || request.acknowledged_by.trim() === '') {
      throw new ConfigError('acknowledged_by', request.acknowledged_by, 'must name who acknowledges the risks');
    }
    if (!request.tenant && !request.campaign && !request.domain && !request.ids) {
      throw new ConfigError('campaign', request.campaign, 'name the held mail to release: campaign, tenant, domain or ids');
    }
    if (request.acknowledged_risks === undefined && !request.reason) {
      throw new ConfigError('acknowledged_risks', undefined, 'list the risks acknowledged, or give a reason to acknowledge them all');
    }
    const now = this.#clock.now();
    const lasts = request.duration === undefined ? (this.#o.acknowledgementMs ?? 7 * 86_400_000) : durationOption('duration', request.duration);
    const overrides = (await this.#held(request)).map((c) => createHoldOverride(c.results, {
      tenant: c.tenant, campaign: c.campaign, acknowledgedBy: request.acknowledged_by, at: now, messageIds: c.ids, expiresAt: now + lasts,
      ...(request.reason ? { note: request.reason } : {}),
    }));
    if (request.acknowledged_risks !== undefined) checkCovered(request.acknowledged_risks, overrides);
    if (overrides.length === 0) return { released: 0, overrides };

    await this.#o.journal?.append(overrides);
    let released = 0;
    for (const override of overrides) {
      // Acknowledged first: messages of the campaign arriving during the release are not held again.
      this.#o.scorer.acknowledge(override);
      const records: Array<Promise<void>> = [];
      const r = await this.#o.queue.releaseHeld({ ...queueSelector(request), ids: override.messageIds }, (message) => {
        message.setMeta(PRE_SEND_HOLD_META, undefined);
        message.setMeta(HOLD_OVERRIDE_META, {
          id: override.id, acknowledged_by: override.acknowledgedBy, acknowledged_at: new Date(override.acknowledgedAt).toISOString(),
          risks: override.risks.map((risk) => risk.dimension), ...(override.note ? { note: override.note } : {}),
        });
        // Published before the message is scheduled, so the record precedes its delivery in the log.
        records.push(this.#o.log.publish(overrideLogRecord(override, message, { clock: this.#clock, nodeid: this.#o.nodeId ?? '' })));
      });
      await Promise.all(records);
      released += r.released;
      this.#o.metrics?.overrides.inc({ action: 'release' });
      this.#o.metrics?.released.inc(r.released);
    }
    return { released, overrides };
  }
}

function queueSelector(s: HeldSelector): QueueSelector {
  return { tenant: s.tenant, campaign: s.campaign, domain: s.domain };
}

function checkCovered(acknowledged: readonly string[], overrides: readonly HoldOverride[]): void {
  const missing = new Map<string, AcknowledgedRisk>();
  for (const risk of overrides.flatMap((o) => o.risks)) {
    if (!acknowledged.includes(risk.dimension) && !missing.has(risk.dimension)) missing.set(risk.dimension, risk);
  }
  if (missing.size === 0) return;
  const described = [...missing.values()].map((r) => `${r.dimension} (score ${r.score}: ${r.reasons.join('; ')})`).join(', ');
  throw new ConfigError('acknowledged_risks', acknowledged, `does not cover every risk of the held mail; also acknowledge ${described}`);
}

/**
 * `POST /api/admin/held/release/v1` (a `ReleaseRequest`; replies `{ released, overrides }`) and
 * `GET /api/admin/held/campaigns/v1` (held mail by campaign with its risks; `tenant`, `campaign`,
 * `domain` query filters). Listing ids and bouncing are the queue's `held/v1` and `held/bounce/v1`.
 */
export function registerHeldMailRoutes(http: HttpListener, held: HeldMail): void {
  http
    .route('POST', '/api/admin/held/release/v1', async (r) => {
      const result = await held.release(releaseRequest(r));
      return { released: result.released, overrides: result.overrides.map(overrideSummary) };
    })
    .route('GET', '/api/admin/held/campaigns/v1', async (r) => {
      const campaigns = await held.campaigns({ tenant: r.query.get('tenant') ?? undefined, campaign: r.query.get('campaign') ?? undefined, domain: r.query.get('domain') ?? undefined });
      return campaigns.map(({ ids, ...c }) => ({ ...c, messages: ids.length }));
    });
}

/** An override as the release route answers it: the message ids are counted, not listed. */
function overrideSummary(o: HoldOverride): Record<string, JsonValue> {
  const json = holdOverrideJson(o);
  delete json.messageIds;
  return { ...json, messages: o.messageIds.length };
}

function releaseRequest(r: HttpRequest): ReleaseRequest {
  const body = r.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpInputError('body', 'request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const v = b[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new HttpInputError(field, `${field} must be a string`);
    return v;
  };
  const list = (field: string): string[] | undefined => {
    const v = b[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new HttpInputError(field, `${field} must be a list of strings`);
    return v as string[];
  };
  const duration = b['duration'];
  if (duration !== undefined && typeof duration !== 'string' && typeof duration !== 'number') throw new HttpInputError('duration', 'duration must be like "2 days" or a number of seconds');
  return {
    tenant: text('tenant'), campaign: text('campaign'), domain: text('domain'), ids: list('ids'),
    acknowledged_by: text('acknowledged_by') ?? '', acknowledged_risks: list('acknowledged_risks'), reason: text('reason'),
    duration: duration as string | number | undefined,
  };
}
