import { parseQueueName, type QueueConfig, type QueueNameParts } from '@mtakit/core';
import type { WeightedRoundRobin } from '../egress/weighted-round-robin.js';
import { IdTable, type IdHandles } from '../spool/id-table.js';
import { EntryHeap } from './entry-heap.js';

/** A message waiting in a scheduled queue: only its id and due time are kept in memory (EntryHeap). */
export interface ScheduledEntry {
  readonly id: string;
  due: number;
  /** Transaction it is a copy of (BATCH_META), to be sent together with its siblings. */
  readonly batch?: string;
}

/**
 * One scheduled queue (`campaign:tenant@domain!routing_domain`): messages ordered by due time,
 * the queue's config (from get_queue_config, cached), and its egress pool rotation.
 */
export class ScheduledQueue {
  readonly name: string;
  readonly parts: QueueNameParts;
  readonly entries: EntryHeap;
  /** Weighted round robin over the pool's sources, kept per queue as KumoMTA does. */
  rotation: WeightedRoundRobin | undefined;
  /** Ready queues this queue stopped feeding because they were full. */
  readonly blockedOn = new Set<string>();
  lastActivity = 0;
  config: QueueConfig | undefined;

  /** `ids`: the handles its heap keeps ids as (the scheduler's, shared by all its queues); by default a table of its own. */
  constructor(name: string, ids: IdHandles = new IdTable(0, 16)) {
    this.name = name;
    this.parts = parseQueueName(name);
    this.entries = new EntryHeap(ids);
  }

  /** The domain mail in this queue is routed to (routing_domain, else the domain). */
  get routingDomain(): string {
    return this.parts.routing_domain ?? this.parts.domain;
  }

  get size(): number {
    return this.entries.size;
  }

  nextDue(): number | undefined {
    return this.entries.peekDue();
  }
}
