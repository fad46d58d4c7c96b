import { findTopics, SPAM_TOPICS, type SpamTopic } from '../lists/topics.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface OffersStageOptions {
  /** Default weight. Default 0.95 (fitted, bench/scorer-fit.ts). */
  weight?: number;
  /** What bulk spam sells. Default: `SPAM_TOPICS`. */
  topics?: readonly SpamTopic[];
}

/**
 * Offers dimension: what the message sells, when that is what bulk spam sells — prescription
 * drugs, sexual enhancement, replicas, cheap software licences, penny stocks, loans, diplomas,
 * casinos, diet remedies — read through the spellings that dodge word filters. A dimension of its
 * own (not a content signal) because it is strong evidence on real mail while the content stage's
 * structural signals are weak: kept apart, each gets the weight its evidence earns
 * (bench/scorer-fit.ts). Reads the subject and the body; campaign-scope.
 */
export function offersStage(options: OffersStageOptions = {}): Stage {
  const topics = options.topics ?? SPAM_TOPICS;
  return {
    name: 'offers',
    scope: 'campaign',
    weight: options.weight ?? 0.95,
    run: (input) => scoreOffers(input, topics),
  };
}

function scoreOffers(input: StageInput, topics: readonly SpamTopic[]): StageOutcome {
  const c = input.content();
  const s = new Signals();
  for (const topic of findTopics(`${c.subject ?? ''}\n${c.text}\n${c.htmlScan.text}`, topics)) {
    s.add(topic.points, `the message ${topic.reason}`, 'Do not send offers for drugs, replicas, cheap licences, stock tips or loans in bulk.');
  }
  return s.outcome();
}
