// Runs the parser over the development corpus (../shared/data/bounces-dev) and scores it
// against the labels each source's own tests state (see bounce-dev-labels.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseBounceMessage, type BounceClassifier, type BounceSummary } from '@mtakit/bounce';
import { expectationOf, NOT_BOUNCES_BY_READING, type Expectation } from './bounce-dev-labels.js';

export interface FileResult {
  file: string;
  source: string;
  expectation: Expectation | null;
  summaries: BounceSummary[];
  error: string | null;
}

/** A tally: right / checked. */
export interface Score { ok: number; n: number }

export interface SourceScores {
  files: number;
  /** Files that are not labelled "not a bounce" and yield at least one record. */
  parsed: Score;
  /** Files labelled "not a bounce" that yield no record. */
  negatives: Score;
  kind: Score;
  recipients: Score;
  categories: Score;
  /** The same category check with each record reclassified by KumoMTA's shipped rules alone. */
  kumoCategories: Score;
  status: Score;
  permanent: Score;
  feedbackType: Score;
}

export function readLabels(dir: string): Map<string, Expectation> {
  const out = new Map<string, Expectation>();
  for (const line of readFileSync(join(dir, 'labels.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = expectationOf(JSON.parse(line) as Parameters<typeof expectationOf>[0]);
    out.set(e.file, e);
  }
  return out;
}

export function corpusFiles(dir: string): { file: string; source: string }[] {
  const root = join(dir, 'messages');
  return readdirSync(root).sort().flatMap((source) =>
    readdirSync(join(root, source)).sort()
      .filter((name) => statSync(join(root, source, name)).isFile())
      .map((name) => ({ file: `messages/${source}/${name}`, source })));
}

export async function parseCorpus(dir: string, classifier: BounceClassifier): Promise<FileResult[]> {
  const labels = readLabels(dir);
  const out: FileResult[] = [];
  for (const { file, source } of corpusFiles(dir)) {
    const bytes = readFileSync(join(dir, file));
    let summaries: BounceSummary[] = [];
    let error: string | null = null;
    try {
      summaries = await parseBounceMessage(bytes, { classifier });
    } catch (err) {
      error = (err as Error).message;
    }
    const reading = NOT_BOUNCES_BY_READING[file] ? expectationOf({ file, source, expected: {} }) : null;
    out.push({ file, source, expectation: labels.get(file) ?? reading, summaries, error });
  }
  return out;
}

export const SCORE_KEYS = ['parsed', 'negatives', 'kind', 'recipients', 'categories', 'kumoCategories', 'status', 'permanent', 'feedbackType'] as const;

function blankScores(): SourceScores {
  const s = { files: 0 } as SourceScores;
  for (const key of SCORE_KEYS) s[key] = { ok: 0, n: 0 };
  return s;
}

const tally = (s: Score, ok: boolean): void => {
  s.n++;
  if (ok) s.ok++;
};

function kindOf(s: BounceSummary[]): string {
  if (s.length === 0) return 'none';
  if (s[0]?.type === 'Feedback') return 'feedback';
  return s.every((x) => x.category === 'AutoReply') ? 'autoreply' : 'bounce';
}

export function score(results: FileResult[], kumo: BounceClassifier | null): Map<string, SourceScores> {
  const by = new Map<string, SourceScores>();
  for (const r of results) {
    const s = by.get(r.source) ?? blankScores();
    by.set(r.source, s);
    s.files++;
    const e = r.expectation;
    if (e?.kind === 'none') {
      tally(s.negatives, r.summaries.length === 0);
      continue;
    }
    if (e && e.kind === null && e.recipients === null && e.noRecipient) continue;
    tally(s.parsed, r.summaries.length > 0 && r.summaries.every((x) => x.recipient !== ''));
    if (!e) continue;
    if (e.kind) tally(s.kind, kindOf(r.summaries) === e.kind);
    const found = new Set(r.summaries.map((x) => x.recipient.toLowerCase()));
    if (e.recipients) tally(s.recipients, e.recipients.every((a) => found.has(a)));
    // Categories are judged on the records of the labelled recipients (all records if none named).
    const judged = e.recipients ? r.summaries.filter((x) => e.recipients?.includes(x.recipient.toLowerCase())) : r.summaries;
    const first = judged[0];
    if (e.categories) {
      tally(s.categories, first !== undefined && e.categories.includes(first.category));
      if (kumo && e.kind === 'bounce') {
        const line = first?.reply;
        tally(s.kumoCategories, line !== undefined && line !== '' && e.categories.includes(kumo.classifyLine(line).category));
      }
    }
    if (e.status) tally(s.status, first?.status === e.status);
    if (e.permanent !== null) tally(s.permanent, first !== undefined && first.permanent === e.permanent);
    if (e.feedbackType) tally(s.feedbackType, first?.action === e.feedbackType);
  }
  return by;
}

export function total(by: Map<string, SourceScores>): SourceScores {
  const t = blankScores();
  for (const s of by.values()) {
    t.files += s.files;
    for (const key of SCORE_KEYS) {
      t[key].ok += s[key].ok;
      t[key].n += s[key].n;
    }
  }
  return t;
}
