import type { Logger, QueueControl } from '@mtakit/core';
import type { AutomationActions } from '../automation/automation.js';
import type { AutomationEffect, ConfigEffect, ReadyQueueSuspension, ScheduledBounce, ScheduledSuspension } from '../automation/effects.js';

type QueueWork = (queue: QueueControl) => Promise<void> | void;

/**
 * Carries out traffic shaping automation with the queue's admin operations: `Suspend` becomes a
 * ready-queue suspension, `SuspendTenant`/`SuspendCampaign` a scheduled-queue suspension,
 * `Bounce*` an admin bounce, and a `SetConfig` change makes the queue ask for the path's config
 * again at once. Every entry lasts until the effect's expiry; a re-triggered effect (same id,
 * later expiry) replaces its entry. Effects restored before the queue exists wait for `attach`.
 */
export class QueueAutomationActions implements AutomationActions {
  readonly #logger: Logger;
  #queue: QueueControl | undefined;
  readonly #waiting: QueueWork[] = [];
  /** Effect id → the queue entry standing for it, and when the effect ends. */
  readonly #entries = new Map<string, { entry: string; expires: number }>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Starts acting on the queue, beginning with the effects that arrived before it existed. */
  async attach(queue: QueueControl): Promise<void> {
    this.#queue = queue;
    for (const work of this.#waiting.splice(0)) await work(queue);
  }

  suspendReadyQueue(e: ReadyQueueSuspension): Promise<void> | void {
    return this.#upsert(e, `suspended ready queue ${e.name}`,
      async (q) => (await q.suspendReadyQueue({ name: e.name, reason: e.reason, expires: iso(e.expires) })).id,
      (q, id) => q.cancelReadyQueueSuspension(id));
  }

  suspendScheduled(e: ScheduledSuspension): Promise<void> | void {
    return this.#upsert(e, `suspended ${scope(e)}`,
      async (q) => (await q.suspend({ domain: e.domain, tenant: e.tenant, campaign: e.campaign, reason: e.reason, expires: iso(e.expires) })).id,
      (q, id) => q.cancelSuspension(id));
  }

  bounceScheduled(e: ScheduledBounce): Promise<void> | void {
    return this.#upsert(e, `bouncing ${scope(e)}`,
      async (q) => (await q.bounce({ domain: e.domain, tenant: e.tenant, campaign: e.campaign, reason: e.reason, expires: iso(e.expires) })).id,
      (q, id) => q.cancelBounce(id));
  }

  configChanged(e: ConfigEffect, active: boolean): Promise<void> | void {
    if (active) this.#logger('info', `shaping automation: ${e.name} = ${JSON.stringify(e.value)} for ${e.source}->${e.siteName} until ${iso(e.expires)} (${e.reason})`);
    else this.#logger('info', `shaping automation: ${e.name} override for ${e.source}->${e.siteName} ended`);
    return this.#run((q) => q.invalidateEgressPaths({ source: e.source, siteName: e.siteName }));
  }

  #upsert(effect: AutomationEffect, what: string, add: (q: QueueControl) => string | Promise<string>, cancel: (q: QueueControl, id: string) => Promise<boolean>): Promise<void> | void {
    return this.#run(async (q) => {
      const entry = await add(q);
      const previous = this.#entries.get(effect.id);
      this.#entries.set(effect.id, { entry, expires: effect.expires });
      // Added first, then the old entry lifted: messages it held go straight under the new one.
      if (previous) await cancel(q, previous.entry);
      const now = Date.now();
      for (const [id, e] of this.#entries) if (e.expires <= now) this.#entries.delete(id);
      this.#logger('info', `shaping automation: ${what} until ${iso(effect.expires)} (${effect.reason})`);
    });
  }

  #run(work: QueueWork): Promise<void> | void {
    if (!this.#queue) {
      this.#waiting.push(work);
      return;
    }
    return work(this.#queue);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function scope(e: ScheduledSuspension | ScheduledBounce): string {
  return [`domain ${e.domain}`, e.tenant && `tenant ${e.tenant}`, e.campaign && `campaign ${e.campaign}`].filter(Boolean).join(', ');
}
