import { randomUUID } from 'node:crypto';
import { ConfigError, MtaKitError, type DimensionScore, type JsonValue, type PreSendResult } from '@mtakit/core';

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
 * (weight × score), or, when none does, every dimension with a score. For several results (the
 * messages a release covers) their risks are merged, each dimension at its highest score.
 */
export function risksOf(results: PreSendResult | readonly PreSendResult[]): AcknowledgedRisk[] {
  const merged = new Map<string, AcknowledgedRisk & { contribution: number }>();
  for (const result of asList(results)) {
    for (const risk of rankedRisks(result)) {
      const known = merged.get(risk.dimension);
      if (!known || risk.score > known.score) merged.set(risk.dimension, risk);
    }
  }
  return [...merged.values()].sort((a, b) => b.contribution - a.contribution).map(({ dimension, score, reasons }) => ({ dimension, score, reasons }));
}

function asList(results: PreSendResult | readonly PreSendResult[]): readonly PreSendResult[] {
  return Array.isArray(results) ? results : [results as PreSendResult];
}

function rankedRisks(result: PreSendResult): Array<AcknowledgedRisk & { contribution: number }> {
  const all = Object.entries(result.breakdown)
    .filter(([, d]) => d.score > 0)
    .sort(([, a], [, b]) => b.weight * b.score - a.weight * a.score)
    .map(([dimension, d]) => ({ dimension, score: d.score, reasons: [...d.reasons], contribution: d.weight * d.score }));
  const major = all.filter((r) => r.contribution >= 15);
  return major.length > 0 ? major : all;
}

/**
 * Builds the override for held results — one message's, or those of every message a release
 * covers, whose risks are merged (each dimension at its highest score). Only holds can be
 * overridden (a reject is final, a pass or flag needs nothing); `acknowledgedBy` must name someone.
 */
export function createHoldOverride(held: PreSendResult | readonly PreSendResult[], input: HoldOverrideInput): HoldOverride {
  const results = asList(held);
  const worst = results.reduce<PreSendResult | undefined>((w, r) => (w === undefined || r.score > w.score ? r : w), undefined);
  if (worst === undefined) throw new MtaKitError('E_POLICY', 'an override needs at least one held result');
  const notHeld = results.find((r) => r.verdict !== 'hold');
  if (notHeld) throw new MtaKitError('E_POLICY', `only a held result can be overridden (verdict is ${notHeld.verdict})`);
  if (input.acknowledgedBy.trim() === '') throw new ConfigError('acknowledgedBy', input.acknowledgedBy, 'must name who acknowledged the risks');
  const override: HoldOverride = {
    id: randomUUID(),
    tenant: input.tenant,
    campaign: input.campaign ?? '',
    messageIds: input.messageIds ?? [],
    action: input.action ?? 'release',
    acknowledgedBy: input.acknowledgedBy,
    acknowledgedAt: input.at,
    risks: risksOf(results),
    score: worst.score,
    threshold: worst.threshold,
  };
  if (input.note !== undefined) override.note = input.note;
  if (input.expiresAt !== undefined) override.expiresAt = input.expiresAt;
  return override;
}

/**
 * What an override needs to know of a held result, as JSON to keep with the held message (its
 * meta): score, threshold and the scored dimensions. `heldResultFromJson` reads it back.
 */
export function heldResultJson(result: PreSendResult): Record<string, JsonValue> {
  const breakdown: Record<string, JsonValue> = {};
  for (const [name, d] of Object.entries(result.breakdown)) {
    if (d.score > 0) breakdown[name] = { score: d.score, weight: d.weight, reasons: d.reasons };
  }
  return { score: result.score, threshold: result.threshold, breakdown };
}

/** The held result kept by `heldResultJson`; `undefined` when `value` is not one (edited meta, say). */
export function heldResultFromJson(value: JsonValue | undefined): PreSendResult | undefined {
  if (!isObject(value) || typeof value.score !== 'number' || typeof value.threshold !== 'number' || !isObject(value.breakdown)) return undefined;
  const breakdown: Record<string, DimensionScore> = {};
  for (const [name, d] of Object.entries(value.breakdown)) {
    if (!isObject(d) || typeof d.score !== 'number' || typeof d.weight !== 'number' || !Array.isArray(d.reasons)) return undefined;
    breakdown[name] = { score: d.score, weight: d.weight, reasons: d.reasons.filter((r): r is string => typeof r === 'string') };
  }
  return { verdict: 'hold', score: value.score, threshold: value.threshold, breakdown, actions: [] };
}

/** An override stored with `holdOverrideJson`; `undefined` when `value` is not one. */
export function holdOverrideFromJson(value: JsonValue | undefined): HoldOverride | undefined {
  if (!isObject(value)) return undefined;
  const v = value;
  const strings = ['id', 'tenant', 'campaign', 'acknowledgedBy'].every((k) => typeof v[k] === 'string');
  const numbers = ['acknowledgedAt', 'score', 'threshold'].every((k) => typeof v[k] === 'number');
  const ids = Array.isArray(v.messageIds) && v.messageIds.every((id) => typeof id === 'string');
  const risks = Array.isArray(v.risks) && v.risks.every((r) => isObject(r) && typeof r.dimension === 'string' && typeof r.score === 'number' && Array.isArray(r.reasons));
  if (!strings || !numbers || !ids || !risks || (v.action !== 'release' && v.action !== 'bounce')) return undefined;
  if ((v.note !== undefined && typeof v.note !== 'string') || (v.expiresAt !== undefined && typeof v.expiresAt !== 'number')) return undefined;
  // Checked field by field above; the stored JSON is the override's own shape.
  return v as unknown as HoldOverride;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The override as JSON, for a log record's `extra` or the admin API's store. */
export function holdOverrideJson(o: HoldOverride): Record<string, JsonValue> {
  // Every field of an override is a JSON value already; the round trip types it as one and copies it.
  return JSON.parse(JSON.stringify(o)) as Record<string, JsonValue>;
}
