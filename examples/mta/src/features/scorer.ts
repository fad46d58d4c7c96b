import { join } from 'node:path';
import { ConfigError, type PreSendHook } from '@mtakit/core';
import {
  builtinStages, heldResultJson, MemoryFreshnessStore, preSendLogRecord, providerFromMx, ReputationTracker, Scorer,
  type ScorerOptions, type Stage,
} from '@mtakit/scorer';
import type { Feature, MtaContext } from './feature.js';
import { ScorerMetrics } from './scorer-metrics.js';
import { OverrideJournal } from './scorer-overrides.js';
import { HeldMail, PRE_SEND_HOLD_META, registerHeldMailRoutes } from './scorer-release.js';
import { loadScorerPlugins, loadScorerSettings, type ScorerFeatureSettings } from './scorer-settings.js';

export {
  HeldMail, HOLD_OVERRIDE_META, PRE_SEND_HOLD_META, registerHeldMailRoutes,
  type HeldCampaign, type HeldMailOptions, type HeldSelector, type ReleaseRequest, type ReleaseResult,
} from './scorer-release.js';
export { OverrideJournal } from './scorer-overrides.js';

/**
 * The pre-send scorer (MTAKIT_SCORER=off turns it off): the built-in stages (the eight dimensions plus fraud requests), with the
 * reputation and freshness history learned from the log bus and mailbox providers from the MTA's
 * MX resolver, plus the stages and suppression lookup of the config's `modules`; per-tenant
 * settings from MTAKIT_SCORER_CONFIG, re-read on bump-config-epoch. Every verdict is a
 * PreSendVerdict log record and counts in the `scorer_*` metrics; held mail is released with an
 * explicit override (`POST /api/admin/held/release/v1`). See docs/scorer.md.
 */
export async function scorerFeature(ctx: MtaContext, options: { env?: NodeJS.ProcessEnv } = {}): Promise<Feature> {
  const env = options.env ?? process.env;
  const settings = loadScorerSettings(env);
  if (!settings.enabled) {
    ctx.logger('info', 'scorer: off (MTAKIT_SCORER=off)');
    return { name: 'scorer' };
  }
  const plugins = await loadScorerPlugins(settings.modules);
  const reputation = new ReputationTracker();
  const freshness = new MemoryFreshnessStore();
  const unsubscribe = ctx.log.subscribe((record) => {
    reputation.consume(record);
    freshness.consume(record);
  });
  // Stages keep what they learned (volumes, provider mixes) when the settings are reloaded.
  const stages: Stage[] = [
    ...builtinStages({
      reputation: { tracker: reputation },
      freshness: { store: freshness },
      providers: { resolve: providerFromMx(ctx.resolver, { wait: false }) },
      ...(plugins.suppression ? { recipient: { suppression: plugins.suppression } } : {}),
    }),
    ...plugins.stages,
  ];
  const journal = new OverrideJournal(join(ctx.config.dataDir, 'scorer-overrides.jsonl'));
  const acknowledge = async (scorer: Scorer) => {
    const overrides = await journal.load(Date.now(), (line, problem) => ctx.logger('warn', `scorer: ${journal.path}:${line} skipped: ${problem}`));
    for (const o of overrides) scorer.acknowledge(o);
  };
  let scorer = buildScorer(settings, stages);
  await acknowledge(scorer);
  const metrics = new ScorerMetrics(ctx.metrics.registry);
  ctx.logger('info', `scorer: on, ${stages.length} stages${settings.file ? `, settings from ${settings.file}` : ''}`);

  const preSend: PreSendHook = {
    async evaluate(message, context) {
      const started = performance.now();
      const result = await scorer.evaluate(message, context);
      // Recording is best effort: a log or metrics failure must not turn a verdict into a tempfail.
      try {
        metrics.record(result, (performance.now() - started) / 1000);
        if (result.verdict === 'hold') message.setMeta(PRE_SEND_HOLD_META, heldResultJson(result));
        ctx.log.publish(preSendLogRecord(result, message, context, { nodeid: ctx.nodeId })).catch((error: Error) => {
          ctx.logger('error', `scorer: the verdict record of ${message.id} was not written: ${error.message}`);
        });
      } catch (error) {
        ctx.logger('error', `scorer: the verdict of ${message.id} was not recorded: ${(error as Error).message}`);
      }
      return result;
    },
  };

  return {
    name: 'scorer',
    preSend,
    start: ({ queue, http }) => {
      const held = new HeldMail({
        queue, scorer: { acknowledge: (o) => scorer.acknowledge(o) }, log: ctx.log, journal, metrics,
        nodeId: ctx.nodeId, acknowledgementMs: settings.acknowledgementMs,
      });
      registerHeldMailRoutes(http, held);
    },
    reload: async () => {
      const next = loadScorerSettings(env);
      if (!next.enabled || next.modules.join('\n') !== settings.modules.join('\n') || next.acknowledgementMs !== settings.acknowledgementMs) {
        ctx.logger('warn', 'scorer: MTAKIT_SCORER, modules and acknowledgement_duration take a restart to change; reloading the tenant settings and budgets');
      }
      const rebuilt = buildScorer(next, stages);
      await acknowledge(rebuilt);
      scorer = rebuilt;
    },
    stop: () => unsubscribe(),
  };
}

function buildScorer(settings: ScorerFeatureSettings, stages: readonly Stage[]): Scorer {
  const options: ScorerOptions = { stages, tenants: settings.tenants };
  if (settings.defaults) options.defaults = settings.defaults;
  if (settings.stageBudgetMs !== undefined) options.stageBudgetMs = settings.stageBudgetMs;
  if (settings.pipelineBudgetMs !== undefined) options.pipelineBudgetMs = settings.pipelineBudgetMs;
  try {
    return new Scorer(options);
  } catch (error) {
    // Name the file: "tenants.acme.threshold" alone does not say where to look.
    if (error instanceof ConfigError && settings.file) throw new ConfigError('MTAKIT_SCORER_CONFIG', settings.file, error.message, { cause: error });
    throw error;
  }
}
