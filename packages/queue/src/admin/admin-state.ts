import type { Clock, QueueNameParts, QueueSelector } from '@mtakit/core';
import type { AdminStateFile } from './admin-state-file.js';
import { Directives, type Directive } from './directives.js';
import { matchesQueue } from './matching.js';

export type BounceSelector = QueueSelector & { suppress_logging: boolean };

/** A scheduled queue as admin entries see it. */
export interface NamedQueue {
  name: string;
  parts: QueueNameParts;
}

/**
 * The admin entries in force — scheduled-queue suspensions, ready-queue suspensions, admin
 * bounces — and the questions the queue asks them. With a state file, entries saved by the last
 * run are back at construction and every change is on disk when `save()` resolves.
 */
export class AdminState {
  readonly suspensions: Directives<QueueSelector>;
  readonly readySuspensions: Directives<{ name: string }>;
  readonly bounces: Directives<BounceSelector>;
  readonly #file: AdminStateFile | undefined;

  constructor(clock: Clock, file?: AdminStateFile, report: (message: string) => void = () => undefined) {
    this.suspensions = new Directives(clock, '5m');
    this.readySuspensions = new Directives(clock, '5m');
    this.bounces = new Directives(clock, '5m');
    this.#file = file;
    if (!file) return;
    const saved = file.load(report);
    this.suspensions.restore(saved.suspensions as Array<Directive<QueueSelector>>);
    this.readySuspensions.restore(saved.readySuspensions.filter((d) => typeof (d.data as { name?: unknown }).name === 'string') as Array<Directive<{ name: string }>>);
    this.bounces.restore(saved.bounces as Array<Directive<BounceSelector>>);
  }

  /** Writes every entry in force (a no-op without a state file). */
  save(): Promise<void> {
    if (!this.#file) return Promise.resolve();
    return this.#file.save({ suspensions: this.suspensions.active(), readySuspensions: this.readySuspensions.active(), bounces: this.bounces.active() });
  }

  suspensionOf(q: NamedQueue): Directive<QueueSelector> | undefined {
    return this.suspensions.find((sel) => matchesQueue(sel, q.name, q.parts));
  }

  bounceOf(q: NamedQueue): Directive<BounceSelector> | undefined {
    return this.bounces.find((sel) => matchesQueue(sel, q.name, q.parts));
  }

  readySuspensionOf(readyQueue: string): Directive<{ name: string }> | undefined {
    return this.readySuspensions.find((d) => d.name === readyQueue);
  }
}
