import type { Message, PreSendContext } from '@mtakit/core';
import { parseContent, type ParsedContent } from './content/parse.js';
import type { MailClass, StageInput } from './types.js';

/**
 * Bulk mail must carry unsubscribe headers; transactional mail (receipts, resets) need not. The
 * `mail_class` meta says which; without it, mail that belongs to a campaign is bulk.
 */
export function mailClassOf(message: Message, context: PreSendContext): MailClass {
  const declared = message.metaString('mail_class');
  if (declared === 'bulk' || declared === 'transactional') return declared;
  return context.campaign ? 'bulk' : 'transactional';
}

/** The `StageInput` of one evaluation; the message is decoded on first use only. */
export class Evaluation implements StageInput {
  readonly tenant: string;
  readonly campaign: string;
  readonly mailClass: MailClass;
  #content: ParsedContent | undefined;

  constructor(
    readonly message: Message,
    readonly context: PreSendContext,
    readonly now: number,
  ) {
    this.tenant = context.tenant ?? '';
    this.campaign = context.campaign ?? '';
    this.mailClass = mailClassOf(message, context);
  }

  content(): ParsedContent {
    this.#content ??= parseContent(this.message);
    return this.#content;
  }
}
