import { registrableDomain } from './address.js';

/**
 * Characters and pairs that pass for others at a glance (`paypa1`, `rnicrosoft`, `amaz0n`).
 * Folded before comparing, so a homoglyph swap counts as the same name.
 */
const HOMOGLYPHS: ReadonlyArray<[RegExp, string]> = [[/0/g, 'o'], [/1/g, 'l'], [/3/g, 'e'], [/5/g, 's'], [/rn/g, 'm'], [/vv/g, 'w']];

/** How German names are spelled in domains (`Bücherstube` → `buecherstube`); other accents are dropped. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };

/** Lowercase ASCII letters and digits only: `Oak & Thread` → `oakthread`. */
function flatten(name: string): string {
  return name.toLowerCase().replace(/[äöüß]/g, (c) => TRANSLITERATIONS[c] ?? c).normalize('NFKD').replace(/[^a-z0-9]/g, '');
}

/** The flattened name with homoglyphs folded: the form in which two names are compared. */
export function skeleton(name: string): string {
  return fold(flatten(name));
}

function fold(flat: string): string {
  let s = flat;
  for (const [from, to] of HOMOGLYPHS) s = s.replace(from, to);
  return s;
}

/**
 * Whether `candidate` reads as `name` at a glance without being it — the edits of typosquatting
 * that the eye skips: homoglyphs (`paypa1`, `rnicrosoft`), a doubled or undoubled letter
 * (`paypall`, `outfiters`), or two adjacent letters swapped (`paypla`). Other one-letter edits do
 * not count, because real names differ by them: `finance` is not a look-alike of `binance`, nor
 * `cloud` of `icloud`, `harbour` of `harbor` or `jon` of `john`. Names under 5 characters never
 * match.
 */
export function confusable(candidate: string, name: string): boolean {
  return confusableNames(comparable(candidate), comparable(name));
}

/** A name prepared for `confusableNames`: flattened, and its skeleton. */
export interface ComparableName {
  flat: string;
  skeleton: string;
}

export function comparable(name: string): ComparableName {
  const flat = flatten(name);
  return { flat, skeleton: fold(flat) };
}

/** `confusable` on names prepared once (a brand list is compared against every domain). */
export function confusableNames(x: ComparableName, y: ComparableName): boolean {
  const a = x.skeleton;
  const b = y.skeleton;
  if (a.length < 5 || b.length < 5) return false;
  if (a === b) return x.flat !== y.flat;
  if (a.length === b.length) return swapped(a, b);
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length !== 1) return false;
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return long.slice(i + 1) === short.slice(i) && (long[i] === long[i - 1] || long[i] === long[i + 1]);
}

function swapped(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** The registrable domain without its public suffix: `mail.acme-corp.co.uk` → `acme-corp`. */
export function domainLabel(domain: string): string {
  return labelOf(registrableDomain(domain));
}

function labelOf(registrable: string): string {
  const dot = registrable.indexOf('.');
  return dot === -1 ? registrable : registrable.slice(0, dot);
}

/**
 * Whether `domain` imitates `other` from another registrable domain: its label reads as
 * `other`'s (`confusable`) or is `other`'s with words added (`acme-billing`, `acmegroup`,
 * `secure-acme`). `other`'s label needs 5+ characters; the same label under another suffix
 * (`acme.com`, `acme.net`) is usually the same owner and does not count.
 */
export function imitates(domain: string, other: string): boolean {
  const mine = labelOf(registrableDomain(domain));
  const theirs = labelOf(registrableDomain(other));
  if (theirs.length < 5 || mine === theirs) return false;
  return skeleton(mine).includes(skeleton(theirs)) || confusable(mine, theirs);
}
