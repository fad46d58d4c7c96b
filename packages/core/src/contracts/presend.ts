import type { JsonValue, Message } from '../message/message.js';

export type PreSendVerdict = 'pass' | 'flag' | 'hold' | 'reject';

export interface DimensionScore {
  /** 0–100 risk within this dimension. */
  score: number;
  /** Weight applied to it in the total. */
  weight: number;
  reasons: string[];
}

export interface PreSendResult {
  verdict: PreSendVerdict;
  /** 0–100 overall risk. */
  score: number;
  /** Per-dimension contributions, by dimension name. */
  breakdown: Record<string, DimensionScore>;
  /** Recommended actions for the sender, in plain words. */
  actions: string[];
  /** Threshold the verdict was taken against. */
  threshold: number;
  /** Stages skipped (over budget or failed) and why. */
  skipped?: Record<string, string>;
  extra?: Record<string, JsonValue>;
}

export interface PreSendContext {
  tenant: string | undefined;
  campaign: string | undefined;
  reception: 'ESMTP' | 'HTTP';
}

/**
 * Stage 2 of the lifecycle: a risk decision before a message is spooled. Implemented by
 * `@mtakit/scorer`. Ingress rejects on `reject`; on `hold` the message is spooled with a hold
 * marker and waits until released; `flag` is logged and delivered.
 */
export interface PreSendHook {
  evaluate(message: Message, context: PreSendContext): Promise<PreSendResult>;
}
