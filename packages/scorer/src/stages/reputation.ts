import { formatDuration } from '@mtakit/core';
import type { OutcomeCounts, ReputationTracker } from '../reputation-tracker.js';
import { Signals } from '../signals.js';
import type { Stage, StageOutcome } from '../types.js';

export interface ReputationStageOptions {
  tracker: ReputationTracker;
  /** Default weight. Default 0.8. */
  weight?: number;
  /** Outcomes the recent window needs before a rate is judged. Default 50. */
  minRecent?: number;
  /** Outcomes the baseline needs before drift is judged. Default 200. */
  minBaseline?: number;
}

interface RateRule {
  name: string;
  /** Numerator and denominator of the rate. */
  of: (c: OutcomeCounts) => [number, number];
  /** A rate at or above this is bad whatever the tenant's history. */
  limit: number;
  limitPoints: number;
  /** Drift needs the rate to at least double and rise by this much. */
  minRise: number;
  driftPoints: number;
  action: string;
}

/**
 * Limits follow common mailbox-provider guidance (complaints under 0.3%, bounces under a few
 * percent); the drift rules compare a tenant with itself, which catches a usually clean sender
 * whose new list is going bad well before the absolute limits trip.
 */
const RULES: readonly RateRule[] = [
  {
    name: 'bounce', of: (c) => [c.bounced, c.delivered + c.bounced], limit: 0.05, limitPoints: 40, minRise: 0.01, driftPoints: 40,
    action: 'Clean the list: drop addresses that bounced and re-confirm old ones before sending more.',
  },
  {
    name: 'complaint', of: (c) => [c.complained, c.delivered], limit: 0.003, limitPoints: 60, minRise: 0.0005, driftPoints: 40,
    action: 'Stop mailing recipients who did not clearly opt in, and make unsubscribing easy.',
  },
  {
    name: 'deferral', of: (c) => [c.deferred, c.delivered + c.bounced + c.deferred], limit: 0.2, limitPoints: 25, minRise: 0.05, driftPoints: 30,
    action: 'Slow down: receivers are deferring this tenant; check its shaping and warm-up.',
  },
];

/**
 * Reputation-drift dimension: the tenant's recent bounce, complaint and deferral rates (from the
 * `ReputationTracker`) against absolute limits and against the tenant's own baseline.
 */
export function reputationStage(options: ReputationStageOptions): Stage {
  const { tracker } = options;
  const minRecent = options.minRecent ?? 50;
  const minBaseline = options.minBaseline ?? 200;
  const recentLabel = `the last ${formatDuration(tracker.recentWindowMs)}`;
  const baselineLabel = `${formatDuration(tracker.baselineWindowMs)} baseline`;
  return {
    name: 'reputation_drift',
    scope: 'message',
    weight: options.weight ?? 0.8,
    run(input): StageOutcome {
      const s = new Signals();
      const snap = tracker.snapshot(input.tenant, input.now);
      if (!snap) return s.note('no delivery outcomes recorded for this tenant yet').outcome();
      for (const rule of RULES) {
        const [n, d] = rule.of(snap.recent);
        if (d < minRecent) continue;
        const rate = n / d;
        if (rate >= rule.limit) {
          s.add(rule.limitPoints, `${rule.name} rate ${pct(rate)} over ${recentLabel} (limit ${pct(rule.limit)})`, rule.action);
        }
        const [bn, bd] = rule.of(snap.baseline);
        if (bd < minBaseline) continue;
        const base = bn / bd;
        if (rate >= 2 * base && rate - base >= rule.minRise) {
          const ratio = rate / Math.max(base, rule.minRise / 4);
          const points = Math.min(rule.driftPoints, (rule.driftPoints / 2) * Math.log2(ratio));
          const versus = base === 0 ? `up from none in the ${baselineLabel}` : `${(rate / base).toFixed(1)}× the ${baselineLabel} of ${pct(base)}`;
          s.add(points, `${rule.name} rate ${pct(rate)} over ${recentLabel} is ${versus}`, rule.action);
        }
      }
      return s.outcome();
    },
  };
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;
}
