import type { BounceRuleSet } from '../rules.js';
import { CATCH_ALL_RULES, GENERIC_RULES } from './generic.js';
import { GATEWAY_RULES } from './gateways.js';
import { MAILBOX_PROVIDER_RULES } from './mailbox-providers.js';
import { MTA_EXPIRY_RULES, MTA_REPLY_RULES, MTA_TRANSPORT_RULES } from './mtas.js';
import { SENTENCE_EXPIRY_RULES, SENTENCE_RULES } from './sentences.js';
import { STATUS_RULES } from './status.js';

/**
 * mtakit's own rules, most specific first: provider and gateway wording, MTA replies and transport
 * texts, generic phrases, sentence patterns in many languages, MTA expiry texts, decisive status codes, then catch-all words. Documented in
 * docs/bounces.md; every rule has a test reply in samples/replies.json.
 */
export const BUILTIN_RULES: BounceRuleSet = {
  source: 'builtin',
  rules: [
    ...MAILBOX_PROVIDER_RULES, ...GATEWAY_RULES, ...MTA_REPLY_RULES, ...MTA_TRANSPORT_RULES, ...GENERIC_RULES, ...SENTENCE_RULES,
    ...MTA_EXPIRY_RULES, ...SENTENCE_EXPIRY_RULES, ...STATUS_RULES, ...CATCH_ALL_RULES,
  ],
};
