import { pathToFileURL } from 'node:url';
import { ConfigError, type Logger, type SmtpResponse } from '@mtakit/core';
import { BounceClassifier, type BounceClassification } from '../classifier.js';
import { loadRuleFile } from '../rules.js';

/**
 * Hooks of the bounce plugin, written like policy events. Given in code, or as a module that
 * exports them by name:
 *
 *   export function rewrite_bounce_classification(response, classification) {
 *     if (/mailbox retired/i.test(response.content)) return 'InactiveMailbox';
 *   }
 */
export interface BounceHooks {
  /**
   * Sees every classification (TransientFailure and Bounce records, OOB reports) and may return
   * another category; `undefined` keeps it. Synchronous: it runs on the delivery path.
   */
  rewrite_bounce_classification?(response: SmtpResponse, classification: BounceClassification): string | undefined;
}

/** Imports a hooks module; `name` is how it was given (an environment variable, an option), for errors. */
export async function loadBounceHooks(file: string, name = 'bounce.hooks'): Promise<BounceHooks> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(name, file, `cannot import the module: ${(error as Error).message}`, { cause: error });
  }
  const hook = mod['rewrite_bounce_classification'];
  if (typeof hook !== 'function') throw new ConfigError(name, file, 'exports no rewrite_bounce_classification function');
  return { rewrite_bounce_classification: hook as NonNullable<BounceHooks['rewrite_bounce_classification']> };
}

/**
 * The built-in classifier with the configured rule files first and the rewrite hook last. A hook
 * that throws keeps the rules' category (a broken hook must not stop deliveries) and is reported.
 */
class HookedClassifier extends BounceClassifier {
  readonly #hooks: BounceHooks;
  readonly #logger: Logger;
  #warned = false;

  constructor(options: ConstructorParameters<typeof BounceClassifier>[0], hooks: BounceHooks, logger: Logger) {
    super(options);
    this.#hooks = hooks;
    this.#logger = logger;
  }

  override classify(response: SmtpResponse): BounceClassification {
    const result = super.classify(response);
    const rewrite = this.#hooks.rewrite_bounce_classification;
    if (!rewrite) return result;
    try {
      const category = rewrite(response, result);
      return category === undefined || category === result.category ? result : { ...result, category };
    } catch (error) {
      if (!this.#warned) this.#logger('warn', `bounces: rewrite_bounce_classification failed (reported once): ${(error as Error).message}`);
      this.#warned = true;
      return result;
    }
  }
}

/** Loads the rule files and builds the classifier every bounce record and report goes through. */
export async function buildClassifier(ruleFiles: readonly string[], hooks: BounceHooks, logger: Logger): Promise<BounceClassifier> {
  const rules = await Promise.all(ruleFiles.map((f) => loadRuleFile(f)));
  return new HookedClassifier({ rules }, hooks, logger);
}
