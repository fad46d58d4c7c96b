import { randomUUID } from 'node:crypto';
import { ConfigError, MtaKitError, type JsonValue, type PreSendResult } from '@mtakit/core';

/** One risk a person acknowledged: a dimension of the held result, its score and reasons then. */
export interface AcknowledgedRisk {
  dimension: string;
  score: number;
  reasons: string[];
}

/**
 * The record of a decision about held mail: who looked at which risks, when, and whether the mail
 * was released or bounced. The queue's admin API stores it with the messages it applies to and
 * logs it; `Scorer.acknowledge` makes later messages of the campaign that carry only these risks
 * flagged instead of held.
 */
export interface HoldOverride {
  id: string;
  tenant: string;
  /** `""` for mail without a campaign. */
  campaign: string;
  /** Held messages the decision applies to; empty means every held message of the campaign. */
  messageIds: string[];
  action: 'release' | 'bounce';
  /** Who decided (operator id, email). */
  acknowledgedBy: string;
  /** Unix ms. */
  acknowledgedAt: number;
  risks: AcknowledgedRisk[];
  /** Score and threshold of the held result. */
  score: number;
  threshold: number;
  note?: string;
  /** After this (Unix ms) `Scorer.acknowledge` no longer lowers holds. */
  expiresAt?: number;
}

export interface HoldOverrideInput {
  tenant: string;
  campaign?: string;
  acknowledgedBy: string;
  /** Unix ms. */
  at: number;
  action?: HoldOverride['action'];
  messageIds?: string[];
  note?: string;
  expiresAt?: number;
}

/**
 * The dimensions that put a result at risk: those contributing 15 points or more on their own
 * (weight × score), or, when none does, every dimension with a score.
 */
export function risksOf(result: PreSendResult): AcknowledgedRisk[] {
  const all = Object.entries(result.breakdown)
    .filter(([, d]) => d.score > 0)
    .sort(([, a], [, b]) => b.weight * b.score - a.weight * a.score)
    .map(([dimension, d]) => ({ dimension, score: d.score, reasons: [...d.reasons], contribution: d.weight * d.score }));
  const major = all.filter((r) => r.contribution >= 15);
  return (major.length > 0 ? major : all).map(({ dimension, score, reasons }) => ({ dimension, score, reasons }));
}

/**
 * Builds the override for a held result. Only a hold can be overridden (a reject is final, a pass
 * or flag needs nothing); `acknowledgedBy` must name someone.
 */
export function createHoldOverride(result: PreSendResult, input: HoldOverrideInput): HoldOverride {
  if (result.verdict !== 'hold') throw new MtaKitError('E_POLICY', `only a held result can be overridden (verdict is ${result.verdict})`);
  if (input.acknowledgedBy.trim() === '') throw new ConfigError('acknowledgedBy', input.acknowledgedBy, 'must name who acknowledged the risks');
  const override: HoldOverride = {
    id: randomUUID(),
    tenant: input.tenant,
    campaign: input.campaign ?? '',
    messageIds: input.messageIds ?? [],
    action: input.action ?? 'release',
    acknowledgedBy: input.acknowledgedBy,
    acknowledgedAt: input.at,
    risks: risksOf(result),
    score: result.score,
    threshold: result.threshold,
  };
  if (input.note !== undefined) override.note = input.note;
  if (input.expiresAt !== undefined) override.expiresAt = input.expiresAt;
  return override;
}

/** The override as JSON, for a log record's `extra` or the admin API's store. */
export function holdOverrideJson(o: HoldOverride): Record<string, JsonValue> {
  // Every field of an override is a JSON value already; the round trip types it as one and copies it.
  return JSON.parse(JSON.stringify(o)) as Record<string, JsonValue>;
}
