import type { Message } from '../message/message.js';

/** Which scheduled queues an admin operation applies to (KumoMTA's request fields). */
export interface QueueSelector {
  domain?: string | undefined;
  tenant?: string | undefined;
  campaign?: string | undefined;
  routing_domain?: string | undefined;
  /** Exact scheduled queue names. */
  queue_names?: string[] | undefined;
}

/** How long an admin entry stays in force: a duration or an absolute end (default 5 minutes). */
export interface DirectiveTiming {
  /** How long it stays in force (duration string or seconds). */
  duration?: string | number | undefined;
  /** Or an absolute end (RFC 3339). */
  expires?: string | undefined;
  /**
   * The entry's id; default a new UUID. The workers of one node (`runCluster`) give the entry
   * the id the answering worker chose, so one id cancels it everywhere.
   */
  id?: string | undefined;
}

/** An admin entry as listed: KumoMTA's field names (snake case) so its tooling reads them. */
export interface AdminEntry {
  id: string;
  reason: string;
  /** RFC 3339. */
  expires: string;
  [key: string]: unknown;
}

export type SuspendRequest = QueueSelector & DirectiveTiming & { reason: string };
export type SuspendReadyQueueRequest = DirectiveTiming & { name: string; reason: string };
export type BounceRequest = QueueSelector & DirectiveTiming & { reason: string; suppress_logging?: boolean | undefined };

export interface RebindRequest extends QueueSelector {
  reason: string;
  /** Applied to each message's meta, or handed to the `rebind_message` hook. */
  data?: Record<string, string> | undefined;
  /** Due now instead of at the message's own due time. */
  always_flush?: boolean | undefined;
  /** Call the `rebind_message` hook instead of setting `data` as meta. */
  trigger_rebind_event?: boolean | undefined;
  suppress_logging?: boolean | undefined;
}

/** Held messages (pre-send hold) to act on: selector fields, optionally narrowed to exact ids. */
export type HeldSelector = QueueSelector & { ids?: string[] | undefined };

export interface HeldMessage {
  id: string;
  /** The scheduled queue it goes to when released. */
  queue: string;
}

export interface MessageInspection {
  id: string;
  message: {
    sender: string;
    recipient: string[];
    meta: Message['meta'];
    num_attempts: number;
    due: string | null;
    held: boolean;
    data?: string;
  };
}

/**
 * The queue's admin operations, as other plugins use them (shaping automation, held-mail release,
 * the admin HTTP API). Implemented by `@mtakit/queue`'s QueueManager. Every change is in force
 * (and durable, where the queue keeps admin state on disk) when its promise resolves; entries
 * expire by themselves.
 */
export interface QueueControl {
  /** Stops delivery from matching scheduled queues until the entry expires or is cancelled. */
  suspend(request: SuspendRequest): Promise<{ id: string }>;
  /** Lifts a scheduled-queue suspension; false when no such entry is in force. */
  cancelSuspension(id: string): Promise<boolean>;
  listSuspensions(): AdminEntry[];

  /** Stops a ready queue (`source->site@protocol`): what waits goes back to its scheduled queues. */
  suspendReadyQueue(request: SuspendReadyQueueRequest): Promise<{ id: string }>;
  cancelReadyQueueSuspension(id: string): Promise<boolean>;
  listReadyQueueSuspensions(): AdminEntry[];

  /** Bounces matching queued messages now and, while the entry lasts, those that arrive. */
  bounce(request: BounceRequest): Promise<{ id: string; bounced: number }>;
  cancelBounce(id: string): Promise<boolean>;
  listBounces(): AdminEntry[];

  /** Re-evaluates the queue of matching messages (new meta or the `rebind_message` hook). */
  rebind(request: RebindRequest): Promise<{ rebound: number }>;

  /** Held messages of matching queues. */
  listHeld(selector?: QueueSelector): HeldMessage[];
  /** Releases held messages; `annotate` may change each message before it is saved and scheduled. */
  releaseHeld(selector: HeldSelector, annotate?: (message: Message) => void): Promise<{ released: number }>;
  /** Bounces held messages (AdminBounce records) instead of releasing them. */
  bounceHeld(selector: HeldSelector & { reason: string }): Promise<{ bounced: number }>;

  /** A message as the spool has it (throws MtaKitError E_NOT_FOUND when it is gone). */
  inspectMessage(id: string, wantBody?: boolean): Promise<MessageInspection>;

  /** Re-reads get_egress_path_config now for matching ready queues (a shaping parameter changed). */
  invalidateEgressPaths(match?: { source?: string | undefined; siteName?: string | undefined }): Promise<void>;
}
