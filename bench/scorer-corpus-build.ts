// Builds (or, with --verify, checks) bench/data/scorer-dev.tsv, the manifest of the scorer's
// development set, from the corpora directory (see bench/scorer-corpus.ts and docs/scorer.md).
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-corpus-build.ts [--verify]
//
// Labels come from the corpora: TREC 2007's own ham/spam index, and the unspy.email examples,
// which are all newsletters. Two sub-classes are derived by rules fixed before any tuning and
// independent of the scorer's signals (they read headers and brand names, not the asks):
//  - ham is a "newsletter" when it is bulk mail that is not a discussion list: no List-Post
//    header, and a List-Unsubscribe or List-Id header, Precedence bulk/list/junk, or a From local
//    part that names a mailing (news, alert, mailer, mailings, newsletter, broadcast, digest,
//    noreply, info, offers, deals, updates, notification), or HTML without a text part that
//    replies to nothing (how 2007 senders of alerts and promotions mailed; people's mail programs
//    sent a text part); other ham is "personal" (including discussion lists);
//  - spam is "phishing" when its subject or text names a bank or payment brand (FINANCIAL below)
//    and the word "account": the 2007 credential-phishing families (PayPal, eBay, banks). This is
//    an approximation — a few 419 letters naming a bank land in it, and phishing for other
//    brands stays in "spam".
// TREC is sampled (the manifest stays small): 3,000 personal and 3,000 spam messages, the first in
// the order of their sha256 without its first byte (which decides the split), plus every
// newsletter (at most 20 per From, so that one alert service does not make the class) and every
// phishing match of the whole corpus.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseContent } from '@mtakit/scorer';
import { corporaDir, type DevClass, type DevEntry, loadMessage, MANIFEST, readManifest, sha256, splitOf } from './scorer-corpus.js';

const SOURCES = [
  '# source\trepository\tcommit\tfiles (under the corpora directory)',
  '# trec07p\tJM-Rodrigo/Datos_IA\t4f6d505f581c274fce2705274181bcfc4e74c0e2\ttrec07p/ (git archive <commit> trec07p), labels from trec07p/full/index',
  '# unspy\tprototypefund/BBND-unspy.email-untrack-email-analyzer\tcce3fc1c3ccc7fb60bdeab4be0e86cf84dab98de\tunspy/src/Matcher/**/*u1.eml and */tests/1.eml (git archive <commit> src/Matcher)',
];
const FINANCIAL = /\b(paypal|e-?bay|bank|banking|credit union|chase|wells fargo|citibank|citi|hsbc|barclays|lloyds|halifax|natwest|nationwide|wachovia|washington mutual|wamu|fifth third|suntrust|regions|national city|charter one|commerce bank|us bank|keybank|amazon|visa|mastercard|american express|amex|western union)\b/i;
const MAILING_LOCAL = /^(?:[\w.-]*[._-])?(news|newsletter|alerts?|mailer|mailings?|broadcast|digest|noreply|no-reply|info|offers|deals|updates|notifications?|specials|promo(?:tions)?)(?:[._-][\w.-]*)?@/i;

function trecClass(label: string, data: Buffer): DevClass {
  const message = loadMessage(data);
  if (label === 'spam') {
    const c = parseContent(message);
    const text = `${c.subject ?? ''}\n${c.text}\n${c.htmlScan.text}`;
    return FINANCIAL.test(text) && /\baccount\b/i.test(text) ? 'phishing' : 'spam';
  }
  if (message.getFirstHeader('List-Post') !== undefined) return 'personal';
  const bulk = message.getFirstHeader('List-Unsubscribe') !== undefined || message.getFirstHeader('List-Id') !== undefined
    || /^\s*(bulk|list|junk)\b/i.test(message.getFirstHeader('Precedence') ?? '');
  const from = /<([^<>]+)>/.exec(message.getFirstHeader('From') ?? '')?.[1] ?? message.getFirstHeader('From') ?? '';
  const c = parseContent(message);
  const htmlOnly = c.hasHtmlPart && !c.hasTextPart && message.getFirstHeader('In-Reply-To') === undefined;
  return bulk || htmlOnly || MAILING_LOCAL.test(from.trim()) ? 'newsletter' : 'personal';
}

function build(dir: string): DevEntry[] {
  const entries: DevEntry[] = [];
  const index = readFileSync(join(dir, 'trec07p/full/index'), 'utf8').trim().split('\n');
  const trec = index.map((line) => {
    const [label = '', ref = ''] = line.split(' ');
    const path = join('trec07p/data', ref.replace('../data/', ''));
    const data = readFileSync(join(dir, path));
    return { label, path, data, hash: sha256(data) };
  }).sort((a, b) => a.hash.slice(2).localeCompare(b.hash.slice(2)));
  const taken = { ham: 0, spam: 0 };
  const perSender = new Map<string, number>();
  for (const m of trec) {
    const cls = trecClass(m.label, m.data);
    const bucket = m.label === 'ham' ? 'ham' : 'spam';
    if (cls === 'newsletter') {
      const from = (/^From:(.*)$/im.exec(m.data.toString('latin1'))?.[1] ?? '').trim().toLowerCase();
      const n = (perSender.get(from) ?? 0) + 1;
      perSender.set(from, n);
      if (n > 20) continue;
    }
    const always = cls === 'phishing' || cls === 'newsletter';
    if (!always && taken[bucket] >= 3000) continue;
    if (!always) taken[bucket]++;
    entries.push({ source: 'trec07p', path: m.path, sha256: m.hash, class: cls, split: splitOf(m.hash) });
  }
  const unspy = walk(join(dir, 'unspy')).filter((f) => /u1\.eml$|tests\/1\.eml$/.test(f));
  const seen = new Set<string>();
  for (const file of unspy.sort()) {
    const hash = sha256(readFileSync(file));
    if (seen.has(hash)) continue;
    seen.add(hash);
    entries.push({ source: 'unspy', path: relative(dir, file), sha256: hash, class: 'newsletter', split: splitOf(hash) });
  }
  return entries;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

const dir = corporaDir();
if (process.argv.includes('--verify')) {
  const bad = readManifest().filter((e) => sha256(readFileSync(join(dir, e.path))) !== e.sha256);
  console.log(bad.length === 0 ? 'all files match the manifest' : `${bad.length} files differ: ${bad.slice(0, 5).map((e) => e.path).join(', ')}`);
  process.exitCode = bad.length === 0 ? 0 : 1;
} else {
  const entries = build(dir);
  const lines = [...SOURCES, 'source\tpath\tsha256\tclass\tsplit', ...entries.map((e) => [e.source, e.path, e.sha256, e.class, e.split].join('\t'))];
  writeFileSync(MANIFEST, `${lines.join('\n')}\n`);
  const count = (f: (e: DevEntry) => boolean) => entries.filter(f).length;
  for (const cls of ['personal', 'newsletter', 'spam', 'phishing'] as const) {
    console.log(`${cls.padEnd(11)} ${count((e) => e.class === cls)} (tune ${count((e) => e.class === cls && e.split === 'tune')})`);
  }
}
