import type { Message, PreSendContext, PreSendVerdict } from '@mtakit/core';
import type { ParsedContent } from './content/parse.js';

/**
 * What a stage computes: a 0–100 risk within its dimension and the reasons for every point.
 * `floor` forces the verdict to be at least that severe whatever the total (a suppressed or
 * syntactically invalid recipient must not be sent however clean the campaign is).
 */
export interface StageOutcome {
  score: number;
  reasons: string[];
  /** Plain-words advice for the sender, most important first. */
  actions?: string[];
  floor?: PreSendVerdict;
}

/**
 * `campaign`: the outcome depends only on what every message of a campaign shares (subject,
 * body, sender identity); it is computed once per content version and cached.
 * `message`: computed for every message (recipient, tenant history, time).
 */
export type StageScope = 'campaign' | 'message';

/** Everything a stage may read. One instance per evaluation. */
export interface StageInput {
  readonly message: Message;
  readonly context: PreSendContext;
  /** `context.tenant`, or `""` for mail without a tenant. */
  readonly tenant: string;
  /** `context.campaign`, or `""`. */
  readonly campaign: string;
  /** Wall-clock time of the evaluation (the scorer's `Clock`), Unix ms. */
  readonly now: number;
  /** Bulk mail must carry unsubscribe headers; see `mailClassOf`. */
  readonly mailClass: MailClass;
  /** The decoded subject, parts, links and images; parsed on first use, once per evaluation. */
  content(): ParsedContent;
}

export type MailClass = 'bulk' | 'transactional';

/**
 * One step of the pipeline. Built-in stages cover the eight dimensions; custom stages implement
 * the same interface. `run` may return a promise (a lookup service, a Lua hook): only then is a
 * timer armed for its budget.
 */
export interface Stage {
  /** Key in the breakdown, in per-tenant weights and in `skipped`. Unique within a pipeline. */
  readonly name: string;
  readonly scope: StageScope;
  /** Default weight, 0–1: how much of this dimension's risk counts toward the total. */
  readonly weight: number;
  /** Overrides the pipeline's per-stage budget (ms). */
  readonly budgetMs?: number;
  run(input: StageInput): StageOutcome | Promise<StageOutcome>;
  /**
   * Called after the verdict for every message that will be accepted (pass, flag or hold), so
   * stages that learn from traffic (volumes, provider mix, campaign tallies) see what is sent.
   */
  observe?(input: StageInput, verdict: PreSendVerdict): void;
}

/** What happens to a message when a stage throws or runs over its budget. */
export type FailurePolicy = 'flag' | 'pass' | 'hold';
