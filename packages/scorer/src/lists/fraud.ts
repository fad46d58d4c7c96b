/**
 * What fraud asks of its reader, and the pressure around the ask, written for mtakit from common
 * knowledge of business-email compromise, advance-fee, job, payment and crypto scams. Patterns run
 * on the subject and the body (text and visible HTML) with whitespace collapsed; a signal counts
 * when every one of its patterns matches. English only. Legitimate mail asks for payments too
 * (invoices, receipts): the asks score modestly alone, and the pressure signals — urgency,
 * secrecy, an unreachable boss, sums of millions — count only next to an ask, because a company's
 * "keep this confidential until Thursday" is not fraud without one.
 */
export interface FraudSignal {
  /** The reason shown in the breakdown: "asks for gift card codes". */
  reason: string;
  points: number;
  /** Every pattern must match somewhere in the message. */
  all: readonly RegExp[];
}

/** A sum of money with its currency: `$749.99`, `EUR 1,250.00`, `US$7,500,000`, `300 USDT`. */
export const AMOUNT = /(?:[$€£]|\b(?:usd|eur|gbp|chf|cad|aud|us\$)\s?)\d[\d,.' ]*\d|\b\d[\d,.]*\s?(?:usd|eur|gbp|usdt|btc|eth|dollars|euros|pounds)\b/i;

const GIFT_CARDS = String.raw`(?:gift ?cards?|(?:apple|itunes|google play|steam|amazon|ebay|razer|vanilla|visa) (?:gift )?cards?)`;
const PHONE = String.raw`\+?\(?\d[\d ().-]{7,}\d`;
const ASK_FOR = String.raw`\b(?:(?:reply|respond)(?: to (?:this|me|us)(?: (?:e-?mail|message|mail))?)? with|(?:send|email|e-mail|text|forward|provide)(?: (?:us|me))?(?: with)? (?:your|the following|a copy of your))\b[^.!?]{0,100}?`;
const CRYPTO = String.raw`\b(?:bitcoin|btc|crypto\w*|usdt|tether|ethereum|wallet|blockchain)\b`;

export const FRAUD_ASKS: readonly FraudSignal[] = [
  { reason: 'asks the reader to buy gift cards', points: 25, all: [new RegExp(String.raw`\b(?:(?:can|could|would) you|i need|i want you to)\b[^.!?]{0,60}?\b${GIFT_CARDS}`, 'i')] },
  {
    reason: 'asks for gift card codes to be sent back', points: 30,
    all: [new RegExp(GIFT_CARDS, 'i'), /\bscratch(?:ed)?\b[^.!?]{0,30}\b(?:back|off|codes?|pins?)\b|\b(?:send|email|e-mail|text|forward)\b[^.!?]{0,20}\b(?:me|us)\b[^.!?]{0,30}\b(?:codes?|pins?|pictures|photos|images)\b|\b(?:pictures?|photos?|images?) of (?:the )?(?:codes?|cards?)\b/i],
  },
  {
    reason: 'says the sender\'s bank details changed', points: 45,
    all: [/\b(?:we|i) (?:have |'ve )?(?:recently |just )?(?:changed|switched|moved|updated)\b[^.!?]{0,20}\bbank(?:s|ing)?\b|\b(?:our|my) (?:new|updated|changed) (?:bank|banking|account|remittance|payment) (?:details|information|account)\b|\b(?:our|my) (?:bank|banking|account|payment|remittance) (?:details|information|info|account) (?:have|has) changed\b|\bupdate (?:our|my) (?:remittance|bank(?:ing)?|payment|direct deposit|account) (?:details|information|info|records)\b|\b(?:change|update|switch) my direct deposit\b|\bi have a new (?:bank )?account\b|\bnew account (?:below|details)\b/i],
  },
  {
    reason: 'asks for a payment of a stated amount', points: 10,
    all: [/\b(?:wire|remit|transfer|pay|settle|send|process)\b[^.!?]{0,40}\b(?:payment|funds|amount|invoice|balance|sum|wire)\b|\b(?:need|require)\b[^.!?]{0,30}\b(?:wire|transfer|payment)\b|\bwire transfer\b|\bbank transfer\b|\bpayment (?:is )?(?:due|required|overdue)\b|\bpayable\b/i, AMOUNT],
  },
  {
    reason: 'offers a job moving money through the reader\'s account', points: 45,
    all: [
      /\breceive\b[^.!?]{0,40}\b(?:payments?|funds|transfers?|money)\b[^.!?]{0,60}\byour (?:own |personal )?(?:bank )?account\b/i,
      /\b(?:forward|send|transfer|pass)\b (?:them|it|the (?:funds|money|payments?|transfers?|balance))\b(?: on\b|[^.!?]{0,40}\b(?:to our|abroad|partners?|(?:by|via|through) (?:bitcoin|btc|crypto|western union|moneygram|gift cards?)))/i,
    ],
  },
  { reason: 'promises to send the reader a check', points: 15, all: [/\b(?:(?:mail|send|post) you a (?:check|cheque)|deposit (?:the|this|a) (?:check|cheque))\b/i] },
  {
    reason: 'asks the reader to pay part of a check on', points: 30,
    all: [/\b(?:check|cheque)\b/i, /\bdeposit\b/i, /\b(?:send|wire|transfer|forward|pay)\b[^.!?]{0,30}\b(?:balance|remaining|remainder|rest|difference|excess|vendor|supplier)\b/i],
  },
  {
    reason: 'offers a job receiving and reshipping parcels', points: 40,
    all: [/\b(?:receive|accept)\b[^.!?]{0,30}\b(?:parcels|packages)\b[^.!?]{0,40}\b(?:home|your address)\b/i, /\b(?:relabel|reship|re-ship|repackag|re-packag)\w*/i],
  },
  { reason: 'asks for card details or credentials by email', points: 50, all: [new RegExp(`${ASK_FOR}\\b(?:card number|cvv|cvc|security code|expiry|expiration date|pin|password|passcode|one-time code|recovery phrase|seed phrase|private key)\\b`, 'i')] },
  { reason: 'asks for bank or identity details by email', points: 30, all: [new RegExp(`${ASK_FOR}\\b(?:bank name|name of your bank|bank account|account number|routing number|iban|sort code|social security|ssn|passport|id|driver'?s licen[cs]e|date of birth)\\b`, 'i')] },
  { reason: 'asks for personal details by email', points: 15, all: [new RegExp(`${ASK_FOR}\\b(?:full name|home address|mailing address|address|phone number|occupation)\\b`, 'i')] },
  {
    reason: 'announces an award, inheritance or donation for the reader', points: 35,
    all: [/\b(?:been|was|were|are) (?:awarded|picked|selected|chosen)\b[^.!?]{0,80}\b(?:sum|award|prize|draw|promotion|lottery|winnings|grant)\b|\b(?:awarded|won) (?:the sum of |a (?:cash )?prize of )?(?:[$€£]|usd|eur)|\bnext of kin\b|\bdied without (?:a will|heirs)\b|\b(?:late|deceased) (?:husband|wife|client|father|customer)\b|\bunclaimed (?:funds|deposit|inheritance|prize)\b|\b(?:donate|transfer|release)\b[^.!?]{0,60}\bthrough you\b|\bclaims? (?:agent|desk|officer)\b/i],
  },
  {
    reason: 'offers to recover lost or stolen money', points: 35,
    all: [/\brecover\w*/i, /\b(?:lost|stolen|scammed)\b[^.!?]{0,40}\b(?:funds|money|crypto\w*|bitcoin|btc|usdt|investments?|savings)\b|\b(?:funds|money|crypto|bitcoin|btc|usdt)\b[^.!?]{0,40}\b(?:lost|stolen)\b|\bvictim of\b/i],
  },
  {
    reason: 'promises investment returns per day, week or month', points: 35,
    all: [/\b\d{1,3}(?:\.\d+)? ?%[^.!?]{0,30}\b(?:a|per|every|each) (?:day|week|month)\b|\b(?:doubled|tripled) (?:my|your|their) (?:money|savings|investment|income)\b/i, /\b(?:invest\w*|trading|staking|returns?|profits?|bitcoin|btc|crypto\w*|usdt|forex)\b/i],
  },
  { reason: 'asks for payment through an untraceable channel', points: 20, all: [new RegExp(String.raw`\bwestern union\b|\bmoneygram\b|\bbitcoin atm\b|\b(?:send|transfer|deposit)\b[^.!?]{0,40}${CRYPTO}`, 'i')] },
  {
    reason: 'moves the conversation to WhatsApp or Telegram', points: 20,
    all: [new RegExp(String.raw`\b(?:message|contact|chat with|text|reach|add)\b[^.!?]{0,30}\bon (?:whatsapp|telegram|wechat)\b|\b(?:whatsapp|telegram|wechat)\b[^.!?]{0,15}(?:@\w{3,}|${PHONE})`, 'i')],
  },
  { reason: 'asks the reader to phone to cancel a charge or get a refund', points: 30, all: [new RegExp(String.raw`\bcall\b[^.!?]{0,50}?${PHONE}[^.!?]{0,80}\b(?:cancel\w*|refund\w*|money back|dispute)\b|\b(?:cancel\w*|refund\w*|money back|dispute)\b[^.!?]{0,80}\bcall\b[^.!?]{0,50}?${PHONE}`, 'i')] },
];

export const FRAUD_PRESSURE: readonly FraudSignal[] = [
  { reason: 'urgency', points: 10, all: [/\b(?:urgent(?:ly)?|immediately|asap|as soon as possible|right away|today|tonight|this (?:evening|afternoon|morning)|within (?:the next )?\d+ (?:hours?|minutes?|(?:business |working )?days?)|(?:24|48|72) hours|before (?:the )?(?:\d{1,2}(?::\d\d)? ?(?:am|pm)|cut-?off|end of (?:the )?day)|with immediate effect)\b/i] },
  { reason: 'a request for secrecy', points: 25, all: [/\bkeep (?:this|it|that) (?:confidential|between us|secret|private|quiet|to yourself)\b|\bbetween (?:you and me|us)\b|\b(?:do not|don't) (?:discuss|tell|share|mention)\b[^.!?]{0,30}\b(?:anyone|anybody|others|colleagues|team|office)\b|\b(?:requires|needs|with|in) (?:absolute |utmost |strict )?discretion\b|\bstrictly confidential\b/i] },
  { reason: 'a sender who cannot be reached', points: 15, all: [/\b(?:in|at|into) (?:a |an )?(?:meeting|conference)s?\b[^.!?]{0,40}\b(?:can't|cannot|can not|unable|not able)\b|\bcan(?:'t|not) (?:talk|take (?:any )?calls|answer (?:the )?phone)\b|\bare you (?:available|free|at your desk|around)\b(?! (?:for|on|next|this|to|tomorrow))/i] },
  {
    reason: 'a threat', points: 10,
    all: [/\bto avoid (?:a |any )?(?:late fees?|suspension|collection|legal action|penalt\w*|deactivation|termination|interruption|closure)\b|\bfailure to (?:comply|verify|update|confirm|respond|do so)\b|\b(?:will|may|shall) be (?:permanently )?(?:closed|deleted|suspended|terminated|deactivated|disabled|lost)\b|\bpermanent(?:ly)? (?:closure|suspension|deletion|loss)\b/i],
  },
  { reason: 'a sum of a million or more', points: 20, all: [/(?:[$€£]|\b(?:usd|eur|gbp|us\$)\s?)\s?\d{1,3}(?:[,.' ]\d{3}){2,}|\b\d+(?:[.,]\d+)? ?(?:million|billion)\b/i] },
];
