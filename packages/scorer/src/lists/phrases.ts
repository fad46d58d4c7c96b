/**
 * Phrases typical of unsolicited and fraudulent mail, with the points each is worth in a
 * subject (the content stage counts half in a body). Written for mtakit from common knowledge of
 * spam and phishing wording; matched case-insensitively on word boundaries. Scores are deliberately
 * modest: a legitimate sale can say "limited time" once, spam says five of these at once.
 */
export const SPAM_PHRASES: ReadonlyArray<readonly [phrase: string, points: number]> = [
  // money and prizes
  ['you have won', 30], ["you've won", 30], ['winner', 15], ['congratulations', 10], ['lottery', 30], ['jackpot', 20],
  ['cash prize', 30], ['claim your prize', 35], ['you have been selected', 20], ["you've been selected", 20], ['claim your reward', 30], ['free money', 35], ['make money', 25],
  ['earn money', 25], ['extra income', 25], ['work from home', 20], ['double your', 25], ['million dollars', 25],
  ['no credit check', 30], ['lowest price', 10], ['best price', 5], ['100% free', 25], ['risk-free', 15], ['risk free', 15],
  ['guaranteed', 10], ['no cost', 10], ['free gift', 15], ['free access', 10], ['cheap', 10], ['bitcoin', 15],
  ['crypto', 10], ['investment opportunity', 25], ['wire transfer', 20], ['inheritance', 25], ['beneficiary', 20],
  // pressure
  ['act now', 20], ['urgent', 15], ['immediately', 10], ['limited time', 10], ['expires today', 15], ['last chance', 10],
  ["don't miss", 5], ['once in a lifetime', 20], ['exclusive deal', 10], ['order now', 10], ['buy now', 10],
  ['click here', 15], ['click below', 10], ['final notice', 20], ['final warning', 25], ['within 24 hours', 20],
  // account and payment pretexts (phishing)
  ['verify your account', 30], ['confirm your account', 25], ['account suspended', 30], ['account has been suspended', 30],
  ['account will be closed', 30], ['unusual activity', 15], ['unusual sign-in activity', 15], ['update your payment', 25],
  ['payment failed', 15], ['confirm your identity', 25], ['validate your', 20], ['login attempt', 10],
  ['security alert', 10], ['your password expires', 25], ['mailbox is full', 30], ['invoice attached', 15],
  // extortion, tech-support and gift-card fraud
  ['i know your password', 30], ['installed malware', 25], ['your computer is infected', 30], ['call now', 10],
  ['are you at your desk', 20], ['gift cards', 10],
  // pharma and adult
  ['viagra', 40], ['cialis', 40], ['pharmacy', 20], ['weight loss', 20], ['lose weight', 20], ['miracle', 15],
  ['hot singles', 40], ['adult', 10],
  // list abuse
  ['dear friend', 20], ['dear customer', 10], ['dear user', 15], ['dear beneficiary', 25], ['dear winner', 25], ['dear applicant', 10],
  ['dear candidate', 10], ['dear client', 10], ['dear sir/madam', 10], ['this is not spam', 30], ['not junk', 20],
  // job-scam bait
  ['no experience needed', 15], ['no experience required', 15], ['no interview', 10],
];

export interface PhraseHit {
  phrase: string;
  points: number;
}

const POINTS = new Map(SPAM_PHRASES);
const PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...POINTS.keys()].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![\\p{L}\\p{N}])`,
  'giu',
);

/** The distinct spam phrases in `text`, each once. */
export function findPhrases(text: string): PhraseHit[] {
  const hits = new Map<string, number>();
  for (const m of text.replace(/[\u2018\u2019]/g, "'").matchAll(PATTERN)) {
    const phrase = m[0].toLowerCase().replace(/\s+/g, ' ');
    hits.set(phrase, POINTS.get(phrase) ?? 0);
  }
  return [...hits].map(([phrase, points]) => ({ phrase, points }));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
}
