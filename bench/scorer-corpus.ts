// The development set of real mail for the pre-send scorer: which files of which public
// repositories, their labels, and the tuning/check split. The messages themselves are not in the
// repository (fetched data is not committed): they live under the corpora directory, by default
// `../corpora` next to the checkout (override with MTAKIT_SCORER_CORPORA), laid out as the
// manifest's `path` column says. bench/data/scorer-dev.tsv lists every file with its sha256, so a
// rebuilt directory can be checked (`scorer-corpus-build.ts --verify`). How to rebuild it:
// docs/scorer.md, "Development set".
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Message } from '@mtakit/core';

/** What a message is, for the per-class figures. */
export type DevClass = 'personal' | 'newsletter' | 'spam' | 'phishing';
export const LEGIT_CLASSES: readonly DevClass[] = ['personal', 'newsletter'];
export const DEV_CLASSES: readonly DevClass[] = ['personal', 'newsletter', 'spam', 'phishing'];

export interface DevEntry {
  source: string;
  /** Relative to the corpora directory. */
  path: string;
  sha256: string;
  class: DevClass;
  split: 'tune' | 'check';
}

export const MANIFEST = join(import.meta.dirname, 'data/scorer-dev.tsv');

export function corporaDir(): string {
  return resolve(process.env.MTAKIT_SCORER_CORPORA ?? join(import.meta.dirname, '../../corpora'));
}

export function readManifest(file = MANIFEST): DevEntry[] {
  const out: DevEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('source\t')) continue;
    const [source = '', path = '', sha256 = '', cls = '', split = ''] = line.split('\t');
    out.push({ source, path, sha256, class: cls as DevClass, split: split as DevEntry['split'] });
  }
  return out;
}

/** The split is a function of the file's content, so it is the same whoever rebuilds the set. */
export function splitOf(sha256: string): DevEntry['split'] {
  return Number.parseInt(sha256.slice(0, 2), 16) < 128 ? 'tune' : 'check';
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `undefined` (with the reason printed) when the corpora are not there: the bench then skips. */
export function corporaOrSkip(entries: readonly DevEntry[]): string | undefined {
  const dir = corporaDir();
  const first = entries[0];
  if (first === undefined || !existsSync(join(dir, first.path))) {
    console.log(`SKIP: the development corpora are not at ${dir} (set MTAKIT_SCORER_CORPORA; docs/scorer.md, "Development set", says how to fetch them)`);
    return undefined;
  }
  return dir;
}

/**
 * A corpus file as a message to score. Line ends become CRLF (the files are stored with LF) and
 * an mbox "From " line is dropped; the envelope sender is the Return-Path of the original
 * delivery, else the From address, as the submitting application would have given it.
 */
export function loadMessage(data: Buffer): Message {
  let text = data.toString('latin1').replace(/^From [^\n]*\n/, '').replace(/\r?\n/g, '\r\n');
  if (!text.includes('\r\n\r\n')) text += '\r\n\r\n';
  const raw = Buffer.from(text, 'latin1');
  const probe = new Message({ sender: '', recipient: 'probe@example.invalid', data: raw });
  const address = (value: string | undefined) => /<([^<>@\s]+@[^<>\s]+)>/.exec(value ?? '')?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(value ?? '')?.[0] ?? '';
  const to = address(probe.getFirstHeader('To'));
  const recipient = /^[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i.test(to) ? to : 'recipient@example.net';
  const sender = address(probe.getFirstHeader('Return-Path')) || address(probe.getFirstHeader('From'));
  return new Message({ sender, recipient, data: raw });
}
