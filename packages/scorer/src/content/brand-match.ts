import type { Brand } from '../lists/brands.js';
import { registrableDomain } from './address.js';
import { comparable, confusableNames, domainLabel, type ComparableName } from './lookalike.js';

/** Finds brands named in display names and imitated in domains; compiled once per stage. */
export class BrandMatcher {
  readonly #brands: ReadonlyArray<{ brand: Brand; tokens: ReadonlyArray<ComparableName & { token: string }> }>;
  readonly #byName: ReadonlyMap<string, Brand>;
  readonly #names: RegExp | undefined;

  constructor(brands: readonly Brand[]) {
    this.#brands = brands.map((brand) => ({ brand, tokens: brand.tokens.map((token) => ({ token, ...comparable(token) })) }));
    this.#byName = new Map(brands.flatMap((b) => b.names.map((n) => [normalize(n), b] as const)));
    const alternatives = [...this.#byName.keys()].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[ -]/g, '[\\s-]+'));
    this.#names = alternatives.length === 0 ? undefined : new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
  }

  /** The brand a display name (or the first `limit` characters of a text) claims, if any. */
  named(display: string, limit = 256): Brand | undefined {
    const m = this.#names?.exec(display.slice(0, limit));
    return m ? this.#byName.get(normalize(m[0])) : undefined;
  }

  /** Whether `domain` is one the brand really uses. */
  official(brand: Brand, domain: string): boolean {
    return brand.domains.includes(registrableDomain(domain));
  }

  /**
   * The brand whose name `domain` borrows without being one of its domains: a hyphenated word of
   * its label that is a brand token (`paypal-billing-center`) or reads as one (`paypa1`,
   * `rnicrosoft-login`; see `confusable`). Tokens run together with other words (`amazonaws`, `dropboxusercontent`)
   * do not count: brands own many such domains, and link checks would trip on their CDNs.
   */
  imitated(domain: string): Brand | undefined {
    const words = domainLabel(domain).split('-').map((word) => ({ word, ...comparable(word) }));
    return this.#brands.find(({ brand, tokens }) => !this.official(brand, domain)
      && tokens.some((t) => words.some((w) => w.word === t.token || confusableNames(w, t))))?.brand;
  }
}

/** Brand names compare case-, space- and hyphen-insensitively (`Coca Cola` is `coca-cola`). */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[\s-]+/g, ' ');
}
