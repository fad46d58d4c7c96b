// Builders shared by this package's tests (not part of the public API).
import { Message, type Clock, type MessageMeta, type PreSendContext } from '@mtakit/core';
import { Evaluation } from './evaluation.js';
import type { Stage, StageOutcome } from './types.js';

export interface MailSpec {
  from?: string;
  subject?: string | undefined;
  text?: string;
  html?: string;
  /** Extra header lines, in order. */
  headers?: Array<[string, string]>;
  sender?: string;
  recipient?: string;
  meta?: MessageMeta;
}

/** A well-formed message (multipart/alternative when both text and html are given). */
export function mail(spec: MailSpec = {}): Message {
  const recipient = spec.recipient ?? 'reader@example.net';
  const lines: string[] = [`From: ${spec.from ?? '"Acme News" <news@acme.example>'}`, `To: <${recipient}>`];
  if (spec.subject !== undefined) lines.push(`Subject: ${spec.subject}`);
  lines.push('Date: Tue, 03 Mar 2026 10:00:00 +0000', 'Message-ID: <1@acme.example>', 'MIME-Version: 1.0');
  for (const [name, value] of spec.headers ?? []) lines.push(`${name}: ${value}`);
  const text = spec.text ?? (spec.html === undefined ? 'Hello, this is our monthly update about the product.' : undefined);
  if (text !== undefined && spec.html !== undefined) {
    lines.push('Content-Type: multipart/alternative; boundary="alt-1"', '', '--alt-1', 'Content-Type: text/plain; charset=utf-8', '', text,
      '--alt-1', 'Content-Type: text/html; charset=utf-8', '', spec.html, '--alt-1--', '');
  } else if (spec.html !== undefined) {
    lines.push('Content-Type: text/html; charset=utf-8', '', spec.html);
  } else {
    lines.push('Content-Type: text/plain; charset=utf-8', '', text ?? '');
  }
  return new Message({
    sender: spec.sender ?? 'bounces@acme.example',
    recipient,
    data: Buffer.from(lines.join('\r\n')),
    ...(spec.meta ? { meta: spec.meta } : {}),
  });
}

/** Headers a compliant bulk message carries. */
export const UNSUBSCRIBE: Array<[string, string]> = [
  ['List-Unsubscribe', '<https://acme.example/u/123>, <mailto:unsub@acme.example>'],
  ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
];

/** A pre-send context; `campaign: null` for mail outside any campaign. */
export function context(tenant = 'acme', campaign: string | null = 'spring'): PreSendContext {
  return { tenant, campaign: campaign ?? undefined, reception: 'ESMTP' };
}

export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2026, 2, 3, 10, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Runs one stage on a message the way the pipeline would, and waits for its outcome. */
export async function runStage(stage: Stage, message: Message, ctx: PreSendContext = context(), now = Date.UTC(2026, 2, 3, 10)): Promise<StageOutcome> {
  return stage.run(new Evaluation(message, ctx, now));
}

/** Runs one stage and then lets it observe the message as accepted, as the pipeline does for a pass. */
export async function runAndObserve(stage: Stage, message: Message, ctx: PreSendContext = context(), now = Date.UTC(2026, 2, 3, 10)): Promise<StageOutcome> {
  const input = new Evaluation(message, ctx, now);
  const outcome = await stage.run(input);
  stage.observe?.(input, 'pass');
  return outcome;
}

/** The points of reasons matching `pattern` (reasons end with "(+N)"). */
export function pointsFor(outcome: StageOutcome, pattern: RegExp): number {
  return outcome.reasons.filter((r) => pattern.test(r)).reduce((sum, r) => sum + Number(/\(\+(\d+)\)$/.exec(r)?.[1] ?? 0), 0);
}
