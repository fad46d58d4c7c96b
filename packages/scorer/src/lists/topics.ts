/**
 * What bulk spam sells, by topic: prescription drugs, replica goods, cheap software licences,
 * penny stocks, sex, mortgages, diplomas, casinos, lotteries. Written for mtakit from common
 * knowledge of spam; matched on the subject and body after undoing the spellings spam uses to
 * dodge word filters (`V-i-a-g-r-a`, `C1al1s`, `dr@gs`, `S0FT`). Each topic counts once. A
 * legitimate newsletter of a pharmacy or a broker can name these too — a topic alone stays below
 * a hold — but names of prescription drugs next to prices are not what a tenant's own mail looks like.
 */
export interface SpamTopic {
  reason: string;
  points: number;
  /** Every pattern must match somewhere in the text. */
  all: readonly RegExp[];
}

/** A price or a call to buy: what turns a mention of a drug or a remedy into an offer. */
const SELLING = String.raw`(?:[$€£]\s?\d|\b(?:buy|order|prices?|discount|shipping|ship|save|cheap|only \d)\b)`;

/**
 * `what` within 80 characters of a price or a call to buy, either side: a long discussion that
 * names a drug in one paragraph and a price in another is not an offer.
 */
function offer(what: string): RegExp {
  return new RegExp(String.raw`(?:${what})[^\n]{0,80}?${SELLING}|${SELLING}[^\n]{0,80}?(?:${what})`, 'i');
}

export const SPAM_TOPICS: readonly SpamTopic[] = [
  {
    reason: 'sells prescription drugs', points: 70,
    all: [offer(String.raw`\b(?:viagra|vlagra|cialis|cialls|levitra|xanax|xanaz|valium|propecia|meridia|phentermine|tramadol|ambien|vicodin|oxycontin|rivotril|ultram|adipex|hydrocodone|kamagra|tadalafil|sildenafil|finasteride)\b|\b(?:online (?:pharmacy|drugstore|meds)|no (?:doctor|prescription)|without (?:a |any )?prescription|(?:cheap|discount) (?:meds|pills|drugs|medications?)|\/pill|pills? (?:for|at|from) \$?\d)`)],
  },
  {
    reason: 'sells sexual enhancement', points: 60,
    all: [offer(String.raw`\b(?:penis|enlarge(?:ment)?|erectile|erection|sexual (?:performance|power|stamina|boost)|sexval|\bed\b pills|male enhancement|last longer in bed|harder erections|impotence)\b`)],
  },
  {
    reason: 'sells replica watches or luxury goods', points: 60,
    all: [/\b(?:replica|replicas|fake) (?:watch(?:es)?|rolex|handbags?|bags)\b|\brolex replicas?\b|\b(?:rolex|omega|cartier|breitling|longines|tag heuer) (?:replica|watches? (?:from|at|for) \$)/i],
  },
  {
    reason: 'sells cheap software licences', points: 60,
    all: [/\b(?:oem|cheap|discount(?:ed)?) software\b|\b(?:adobe|microsoft|office|windows|photoshop|dreamweaver|autocad|acrobat|macromedia)\b[^.!?\n]{0,40}\b(?:only|just|for) \$\d/i],
  },
  {
    reason: 'promotes a penny stock', points: 70,
    all: [/\b(?:target|projected|expected) (?:price|value)\b[^.!?\n]{0,30}\$\d|\b(?:strong buy|aggressive buy|stock alert|hot stock|stock (?:pick|profile)|call your broker|insider buying)\b/i],
  },
  {
    reason: 'sells a mortgage or loan approval', points: 45,
    all: [offer(String.raw`\b(?:refinanc\w*|mortgage rates?|home loan|pre-?approved|approval (?:for|of) (?:a|your) (?:loan|mortgage)|bad credit (?:ok|accepted|loans?)|debt (?:consolidation|relief))\b`)],
  },
  {
    reason: 'sells diplomas or degrees', points: 55,
    all: [/\b(?:university diplomas?|(?:get|obtain) (?:a|your) (?:degree|diploma)|degree (?:in|within) (?:weeks|days)|no (?:exams?|classes|study) required|life experience degree)\b/i],
  },
  {
    reason: 'advertises an online casino or lottery tickets', points: 45,
    all: [/\b(?:online casino|casino bonus|free spins|lottery tickets?|play (?:the )?(?:slots|poker|roulette) online|\$\d+ (?:free )?bonus)\b/i],
  },
  {
    reason: 'sells weight-loss or anti-aging remedies', points: 45,
    all: [offer(String.raw`\b(?:hgh|human growth hormone|hoodia|acai|diet pills?|fat burner|burn fat|anti-?aging (?:formula|pills?)|lose \d+ (?:lbs|pounds|kg))\b`)],
  },
];

/**
 * The text as a word filter should read it: leetspeak folded (`c1al1s` → `cialis`, `dr@gs` →
 * `drags`, `s0ft` → `soft`) and separators between single letters removed (`v-i-a-g-r-a`,
 * `S.umbol`). Used only for matching topics.
 */
export function unobfuscate(text: string): string {
  return text
    .replace(/(?<=[a-z])[@](?=[a-z])/gi, 'a')
    .replace(/(?<=[a-z])[0](?=[a-z])|(?<=\b[a-z]?)0(?=[a-z]{2})/gi, 'o')
    .replace(/(?<=[a-z])[1!|](?=[a-z])/gi, 'i')
    .replace(/(?<=[a-z])3(?=[a-z])/gi, 'e')
    .replace(/\b(?:[a-z][.\-_*,\\/]){2,}[a-z]\b/gi, (m) => m.replace(/[.\-_*,\\/]/g, ''))
    .replace(/\b([a-z])[.,](?=[a-z]{3,}\b)/gi, '$1');
}

/** The topics `text` sells, each once. */
export function findTopics(text: string, topics: readonly SpamTopic[] = SPAM_TOPICS): SpamTopic[] {
  const plain = unobfuscate(text);
  return topics.filter((t) => t.all.every((pattern) => pattern.test(plain)));
}
