import { findPhrases } from '../lists/phrases.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface SubjectStageOptions {
  /** Default weight. Default 1 (fitted, bench/scorer-fit.ts). */
  weight?: number;
  /** Subjects longer than this (characters) count as too long. Default 100. */
  maxLength?: number;
}

const REPLY_PREFIX = /^\s*(re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:/i;
const PUNCTUATION_RUN = /[!?]{2,}|[$€£]{2,}|\.{4,}|\*{3,}/;
const EMOJI = /\p{Extended_Pictographic}/gu;

/**
 * Subject dimension. Signals: missing or empty subject, length, spam phrases, mostly capitals,
 * shouted words, punctuation runs, a reply/forward prefix on a message that replies to nothing,
 * and emoji density.
 */
export function subjectStage(options: SubjectStageOptions = {}): Stage {
  const maxLength = options.maxLength ?? 100;
  return {
    name: 'subject',
    scope: 'campaign',
    weight: options.weight ?? 1,
    run: (input) => scoreSubject(input, maxLength),
  };
}

function scoreSubject(input: StageInput, maxLength: number): StageOutcome {
  const s = new Signals();
  const subject = input.content().subject?.trim() ?? '';
  if (subject === '') {
    return s.add(20, 'the message has no subject', 'Give the message a subject that says what it is about.').outcome();
  }
  const length = [...subject].length;
  if (length > maxLength) s.add(3, `the subject is ${length} characters long (over ${maxLength})`, 'Shorten the subject.');

  const phrases = findPhrases(subject);
  if (phrases.length > 0) {
    const points = Math.min(60, phrases.reduce((sum, p) => sum + p.points, 0));
    s.add(points, `spam phrases in the subject: ${phrases.map((p) => `"${p.phrase}"`).join(', ')}`, 'Reword the subject without sales-pressure or prize wording.');
  }

  const letters = subject.replace(/[^\p{L}]/gu, '');
  const upper = subject.replace(/[^\p{Lu}]/gu, '').length;
  if (letters.length >= 8 && upper / letters.length >= 0.7) {
    s.add(25, 'the subject is mostly capital letters', 'Write the subject in sentence case.');
  } else {
    const shouted = subject.match(/\b\p{Lu}{4,}\b/gu) ?? [];
    if (shouted.length >= 2) s.add(10, `shouted words in the subject: ${shouted.join(', ')}`, 'Write the subject in sentence case.');
  }

  const run = PUNCTUATION_RUN.exec(subject);
  if (run) s.add(15, `punctuation run "${run[0]}" in the subject`, 'Remove repeated punctuation and currency signs from the subject.');
  else if ((subject.match(/!/g) ?? []).length >= 3) s.add(10, 'three or more exclamation marks in the subject', 'Remove repeated punctuation and currency signs from the subject.');

  const prefix = REPLY_PREFIX.exec(subject);
  if (prefix && input.message.getFirstHeader('In-Reply-To') === undefined && input.message.getFirstHeader('References') === undefined) {
    s.add(15, `the subject starts with "${prefix[1]?.toUpperCase()}:" but the message replies to nothing`, 'Drop the RE:/FWD: prefix: it is not a reply.');
  }

  const emoji = (subject.match(EMOJI) ?? []).length;
  if (emoji >= 3) s.add(Math.min(25, 10 + 5 * (emoji - 3)), `${emoji} emoji in the subject`, 'Use at most one or two emoji in the subject.');
  return s.outcome();
}
