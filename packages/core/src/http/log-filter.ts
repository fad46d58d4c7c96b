import { HttpInputError } from './listener.js';

export type FilterLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const ORDER: readonly FilterLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'off'];

/**
 * KumoMTA's diagnostic log filter (`kumo.set_diagnostic_log_filter`, `POST
 * /api/admin/set_diagnostic_log_filter/v1`): a comma-separated list of `level` or `target=level`
 * directives. mtakit has one diagnostic logger, so the filter's effective level is the most verbose
 * one given for it — no target, or a `kumod`/`mtakit` target (`kumod::smtp_server=debug` counts).
 * Other targets are refused (400 naming them) rather than accepted and ignored.
 */
export class DiagnosticLogFilter {
  #level: FilterLevel;
  #spec: string;

  constructor(spec = 'info') {
    this.#level = parseFilter(spec);
    this.#spec = spec;
  }

  get level(): FilterLevel {
    return this.#level;
  }

  get spec(): string {
    return this.#spec;
  }

  set(spec: string): void {
    this.#level = parseFilter(spec);
    this.#spec = spec;
  }

  /** Whether a record of this level passes. */
  allows(level: Exclude<FilterLevel, 'off'>): boolean {
    return this.#level !== 'off' && ORDER.indexOf(level) >= ORDER.indexOf(this.#level);
  }
}

export function parseFilter(spec: string): FilterLevel {
  if (typeof spec !== 'string' || spec.trim() === '') throw new HttpInputError('filter', 'filter must be a non-empty string like "info" or "kumod=debug"');
  let best: FilterLevel | undefined;
  for (const directive of spec.split(',').map((d) => d.trim()).filter((d) => d !== '')) {
    const eq = directive.indexOf('=');
    const target = eq < 0 ? undefined : directive.slice(0, eq).trim();
    const level = (eq < 0 ? directive : directive.slice(eq + 1)).trim().toLowerCase() as FilterLevel;
    if (!ORDER.includes(level)) throw new HttpInputError('filter', `unknown level ${JSON.stringify(level)} in ${JSON.stringify(directive)} (use trace, debug, info, warn, error or off)`);
    if (target !== undefined && !/^(kumod|mtakit)(::|$)/.test(target)) {
      throw new HttpInputError('filter', `target ${JSON.stringify(target)} has no logger in mtakit (use a bare level, or the kumod or mtakit target)`);
    }
    if (best === undefined || ORDER.indexOf(level) < ORDER.indexOf(best)) best = level;
  }
  if (best === undefined) throw new HttpInputError('filter', 'filter has no directive');
  return best;
}
