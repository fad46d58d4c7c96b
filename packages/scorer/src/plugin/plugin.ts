import { join } from 'node:path';
import { ConfigError, forRecordTypes, type LogRecord, type PreSendHook } from '@mtakit/core';
import type { MtaPlugin } from '@mtakit/core/mta';
import { MemoryFreshnessStore } from '../freshness-store.js';
import { preSendLogRecord } from '../log-record.js';
import { heldResultJson } from '../override.js';
import { Scorer, type ScorerOptions } from '../pipeline.js';
import { ReputationTracker } from '../reputation-tracker.js';
import { mergeSendingDomains } from '../sending-domains.js';
import { builtinStages } from '../stages/builtin.js';
import { providerFromMx } from '../stages/providers.js';
import type { Stage } from '../types.js';
import { loadScorerModules, readScorerConfig, type ScorerConfig } from './config.js';
import { HeldMail, PRE_SEND_HOLD_META, registerHeldMailRoutes } from './held-mail.js';
import { ScorerMetrics } from './metrics.js';
import { OverrideJournal } from './override-journal.js';

export interface ScorerPluginOptions {
  /** The config file (JSON: `defaults`, `tenants`, budgets, `acknowledgement_duration`, `modules`, `sending_domains`, `pass_record_sample`), re-read on reload. */
  configFile?: string | undefined;
  /** How the file was given, for errors (e.g. the environment variable). Default `scorer.config`. */
  configName?: string;
  /**
   * Verified sending domains per tenant, added to the config file's `sending_domains`: a From on a
   * domain its tenant has not verified is a strong signal, and only a verified tenant's brand-domain
   * link text counts as click tracking. A tenant in neither has no list and is not judged on one.
   */
  sendingDomains?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The pre-send scorer as a plugin of `createMta`: the built-in stages, with reputation and
 * freshness learned from the log and mailbox providers from the MTA's MX resolver, plus the
 * stages and suppression lookup of the config's `modules`; per-tenant settings re-read on reload.
 * Every verdict is a PreSendVerdict log record (pass verdicts at the config's `pass_record_sample`,
 * default all) and counts in the `scorer_*` metrics; held mail is
 * released with an explicit override (`POST /api/admin/held/release/v1`), kept in
 * `<dataDir>/scorer-overrides.jsonl` across restarts. See docs/scorer.md.
 */
export function scorerPlugin(options: ScorerPluginOptions = {}): MtaPlugin {
  const read = () => readScorerConfig(options.configFile, { ...(options.configName ? { name: options.configName } : {}) });
  return {
    name: 'scorer',
    async setup(ctx) {
      const config = read();
      const modules = await loadScorerModules(config.modules);
      const reputation = new ReputationTracker();
      // Read through a function, so a reload's sending_domains reach the stages built here.
      let sending = mergeSendingDomains(options.sendingDomains ?? {}, config.sendingDomains);
      const freshness = new MemoryFreshnessStore();
      // Stages keep what they learned (volumes, provider mixes) when the settings are reloaded.
      const stages: Stage[] = [
        ...builtinStages({
          reputation: { tracker: reputation },
          freshness: { store: freshness },
          sendingDomains: (tenant) => (Object.hasOwn(sending, tenant) ? sending[tenant] : undefined),
          providers: { resolve: providerFromMx(ctx.resolver, { wait: false }) },
          ...(modules.suppression ? { recipient: { suppression: modules.suppression } } : {}),
        }),
        ...modules.stages,
      ];
      const journal = new OverrideJournal(join(ctx.dataDir, 'scorer-overrides.jsonl'));
      const build = async (settings: ScorerConfig) => {
        const built = buildScorer(settings, stages, options.configName);
        const overrides = await journal.load(Date.now(), (line, problem) => ctx.logger('warn', `scorer: ${journal.path}:${line} skipped: ${problem}`));
        for (const o of overrides) built.acknowledge(o);
        return built;
      };
      let scorer = await build(config);
      let passSample = new PassSample(config.passRecordSample);
      const metrics = new ScorerMetrics(ctx.metrics.registry);
      ctx.logger('info', `scorer: on, ${stages.length} stages${config.file ? `, settings from ${config.file}` : ''}`);

      const preSend: PreSendHook = {
        async evaluate(message, context) {
          const started = performance.now();
          const result = await scorer.evaluate(message, context);
          // Recording is best effort: a log or metrics failure must not turn a verdict into a tempfail.
          try {
            metrics.record(result, (performance.now() - started) / 1000);
            if (result.verdict === 'hold') message.setMeta(PRE_SEND_HOLD_META, heldResultJson(result));
            if (result.verdict !== 'pass' || passSample.take()) {
              ctx.log.publish(preSendLogRecord(result, message, context, { nodeid: ctx.nodeId })).catch((error: Error) => {
                ctx.logger('error', `scorer: the verdict record of ${message.id} was not written: ${error.message}`);
              });
            }
          } catch (error) {
            ctx.logger('error', `scorer: the verdict of ${message.id} was not recorded: ${(error as Error).message}`);
          }
          return result;
        },
      };
      return {
        preSend,
        // Named types: the bus does not call the learners for the Reception and PreSendVerdict
        // records of every message, which they ignore.
        logConsumers: [forRecordTypes([...new Set([...reputation.recordTypes, ...freshness.recordTypes])], (record: LogRecord) => {
          reputation.consume(record);
          freshness.consume(record);
        })],
        routes: (http, queue) => registerHeldMailRoutes(http, new HeldMail({
          queue, scorer: { acknowledge: (o) => scorer.acknowledge(o) }, log: ctx.log, journal, metrics,
          nodeId: ctx.nodeId, acknowledgementMs: config.acknowledgementMs,
        })),
        reload: async () => {
          const next = read();
          if (next.modules.join('\n') !== config.modules.join('\n') || next.acknowledgementMs !== config.acknowledgementMs) {
            ctx.logger('warn', 'scorer: modules and acknowledgement_duration take a restart to change; reloading the tenant settings and budgets');
          }
          sending = mergeSendingDomains(options.sendingDomains ?? {}, next.sendingDomains);
          scorer = await build(next);
          passSample = new PassSample(next.passRecordSample);
        },
      };
    },
  };
}

/**
 * Which pass verdicts are recorded at `pass_record_sample` s: every one at 1 (the default), none at
 * 0, otherwise each pass after which ⌊n·s⌋ grew (every fourth at 0.25) — counted, not random, so a
 * share of the log volume is exactly what was asked for.
 */
class PassSample {
  #seen = 0;

  constructor(readonly share: number) {}

  take(): boolean {
    if (this.share === 1) return true;
    this.#seen++;
    return Math.floor(this.#seen * this.share) !== Math.floor((this.#seen - 1) * this.share);
  }
}

function buildScorer(settings: ScorerConfig, stages: readonly Stage[], name = 'scorer.config'): Scorer {
  const options: ScorerOptions = { stages, tenants: settings.tenants };
  if (settings.defaults) options.defaults = settings.defaults;
  if (settings.stageBudgetMs !== undefined) options.stageBudgetMs = settings.stageBudgetMs;
  if (settings.pipelineBudgetMs !== undefined) options.pipelineBudgetMs = settings.pipelineBudgetMs;
  try {
    return new Scorer(options);
  } catch (error) {
    // Name the file: "tenants.acme.threshold" alone does not say where to look.
    if (error instanceof ConfigError && settings.file) throw new ConfigError(name, settings.file, error.message, { cause: error });
    throw error;
  }
}
