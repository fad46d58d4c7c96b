import { extractFeatures } from '../model/features.js';
import { sigmoid, type ContentModel } from '../model/model.js';
import { shippedContentModel } from '../model-file.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface ModelStageOptions {
  /** Default weight. Default 1: its score is a calibrated probability (bench/scorer-train.ts). */
  weight?: number;
  /** The model. Default: the shipped one (`model/content-model.bin`, bench/scorer-train.ts). */
  model?: ContentModel;
}

/** How many of the features that pushed the score up a reason names. */
const NAMED_FEATURES = 5;
const ADVISE_FROM = 50;

/**
 * Model dimension: the probability, from a small logistic model over hashed words, word pairs,
 * link domains and header make-up (see `extractFeatures`), that the message is spam — learned
 * from real mail (bench/scorer-train.ts), where the hand-written signals of the other dimensions
 * rank real spam poorly. Its score is that probability in percent; the reason names the features
 * that weighed most toward spam, so a sender can see what the model reacted to. Campaign-scope.
 */
export function modelStage(options: ModelStageOptions = {}): Stage {
  const model = options.model ?? shippedContentModel();
  return {
    name: 'model',
    scope: 'campaign',
    weight: options.weight ?? 1,
    run: (input) => scoreModel(input, model),
  };
}

function scoreModel(input: StageInput, model: ContentModel): StageOutcome {
  const features = extractFeatures(input.message, input.content());
  const score = Math.round(100 * sigmoid(model.logit(features)));
  if (score === 0) return { score, reasons: [] };
  const top = features.map((f) => ({ name: f.name, w: model.weight(f) })).filter((f) => f.w > 0)
    .sort((a, b) => b.w - a.w || (a.name < b.name ? -1 : 1)).slice(0, NAMED_FEATURES);
  return {
    score,
    reasons: [`resembles spam of real mail at ${score} %, most of all for ${top.map((f) => `"${f.name}"`).join(', ')} (+${score})`],
    // Advice only when the model leans toward spam: a few percent is every message's share.
    ...(score >= ADVISE_FROM ? { actions: ['Write the way legitimate mail reads: plain wording, links to your own domain, a complete From header.'] } : {}),
  };
}
