import type { FraudSignal } from './fraud.js';

/**
 * What credential phishing asks of its reader — verify or confirm the account, log in to restore
 * it, unlock it, confirm payment details, free a full mailbox, hand over a wallet's recovery
 * phrase — and the pretexts it gives (an account suspended, an unusual sign-in, a password
 * expiring). Written for mtakit from common knowledge of phishing wording; English only; run by
 * the fraud stage like `FRAUD_ASKS`, so the pressure signals (urgency, threats) count next to
 * them. Legitimate security and billing notices say some of this too ("confirm your email
 * address", "a new sign-in from Chrome"): the lesser pretexts alone stay below a hold, and "confirm your
 * email address" is not an ask here.
 */
const ACCOUNT = String.raw`(?:account|identity|information|info|details|profile|e-?mail account|mailbox|web ?mail|login|log-?in|credentials|records?|billing|payment (?:details|information|method))`;

export const CREDENTIAL_ASKS: readonly FraudSignal[] = [
  {
    reason: 'asks the reader to verify or confirm their account', points: 45,
    all: [new RegExp(String.raw`\b(?:verify|confirm|validate|update|re-?confirm|re-?validate|authenticate|secure)\b[^.!?]{0,40}?\b(?:your|the) (?:\w+ )?${ACCOUNT}\b`, 'i')],
  },
  {
    reason: 'says the reader\'s account is suspended, limited or about to close', points: 45,
    all: [/\b(?:your|the) (?:\w+ )?(?:account|mailbox|e-?mail|access|card|profile|membership)\b[^.!?]{0,40}?\b(?:has been|have been|was|is|will be|may be|is being|is currently)\b[^.!?]{0,20}?\b(?:suspended|limited|restricted|locked|blocked|disabled|deactivated|closed|terminated|frozen|on hold|compromised|flagged)\b|\b(?:suspension|limitation|deactivation|closure|termination) of your (?:account|mailbox|access)\b|\baccount (?:suspension|limitation|deactivation)\b/i],
  },
  {
    reason: 'asks the reader to log in to restore, unlock or re-activate access', points: 40,
    all: [/\b(?:log ?in|sign ?in|log ?on|unlock|restore|re-?activate|regain access to|reinstate)\b[^.!?]{0,40}?\b(?:your|the) (?:\w+ )?(?:account|mailbox|access|card|profile|online banking)\b|\bclick\b[^.!?]{0,40}?\b(?:to|and) (?:log ?in|sign ?in|verify|confirm|unlock|restore|re-?activate|update|validate)\b/i],
  },
  {
    reason: 'reports an unusual sign-in or suspicious activity', points: 20,
    all: [/\bunusual (?:sign-?in|log-?in|activity|access)\b|\b(?:suspicious|unauthori[sz]ed|fraudulent|irregular|unrecogni[sz]ed) (?:activity|access|log-?in|sign-?in|attempts?|transactions?|charges?)\b|\bsomeone (?:tried|attempted|has tried) to (?:log|sign|access|use)\b/i],
  },
  {
    reason: 'says the mailbox is full or the password expires', points: 55,
    all: [/\b(?:mailbox|inbox|e-?mail (?:account|storage)|storage|quota)\b[^.!?]{0,30}?\b(?:is |has |are )?(?:full|almost full|exceeded|over (?:its|the) (?:limit|quota)|reached (?:its|the) limit)\b|\bpassword\b[^.!?]{0,30}?\b(?:expires?|expired|expiring|will expire)\b|\b(?:pending|undelivered|held|incoming|blocked) (?:messages|e-?mails)\b/i],
  },
  {
    reason: 'asks the reader to confirm payment or card details', points: 45,
    all: [/\b(?:confirm|update|verify|re-?enter|provide|validate)\b[^.!?]{0,30}?\b(?:payment|billing|card|credit card|debit card|bank(?:ing)?) (?:details|information|info|method|data)\b|\b(?:payment|billing|card) (?:failed|was declined|declined|could not be (?:processed|authori[sz]ed)|unsuccessful)\b/i],
  },
  {
    reason: 'asks for a wallet\'s recovery phrase', points: 65,
    all: [/\b(?:enter|import|validate|verify|sync|synchroni[sz]e|connect|provide|submit|confirm)\b[^.!?]{0,40}?\b(?:seed|recovery|secret|mnemonic|backup) (?:phrase|words)\b|\bwallet\b[^.!?]{0,30}?\b(?:validation|synchroni[sz]ation|verification|will be (?:suspended|disabled|deactivated))\b/i],
  },
];
