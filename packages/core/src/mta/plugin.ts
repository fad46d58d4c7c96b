import type { Registry } from 'prom-client';
import type { AcceptMessages } from '../contracts/accepted.js';
import type { Classifier, DeliveryGate } from '../contracts/delivery.js';
import type { InboundReportReader } from '../contracts/inbound-report.js';
import type { Logger } from '../contracts/logger.js';
import type { PreSendHook } from '../contracts/presend.js';
import type { QueueControl } from '../contracts/queue-control.js';
import type { QueueViews } from '../contracts/queue-views.js';
import type { Shaper } from '../contracts/shaper.js';
import type { MxResolver } from '../dns/mx-resolver.js';
import type { OutsideStores } from '../health/outside-store.js';
import type { HttpListener } from '../http/listener.js';
import type { LogBus, LogConsumer } from '../log/bus.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { Awaitable, Policy } from '../policy/events.js';

/**
 * One capability of an MTA (the queue, shaping, bounces, the scorer, a Lua policy, or an
 * application's own), as `createMta` assembles it. Modelled on fastify's plugins (a name,
 * declared dependencies, set up in dependency order) and Haraka's hook chain (policies layered
 * in that order, the first answer wins).
 */
export interface MtaPlugin {
  readonly name: string;
  /**
   * Plugins this one needs, by name: they are set up and started before it and stopped after
   * it. A name missing from the MTA's plugin list is refused at start.
   */
  readonly dependencies?: readonly string[];
  /** Called once, in dependency order, before anything listens: build state, say what the plugin provides. */
  setup(context: PluginContext): Awaitable<PluginProvides | void>;
}

/** What every plugin may use while the MTA is assembled. */
export interface PluginContext {
  /** EHLO name, banner name, and the name in Received headers. */
  readonly hostname: string;
  /** Where plugins keep their state (a spool, journals, a node id), one directory per MTA. */
  readonly dataDir: string;
  /** This node's stable id (KumoMTA's `nodeid` in log records). */
  readonly nodeId: string;
  readonly logger: Logger;
  /** Every log record of the MTA passes here; publish records, or subscribe (or use `logConsumers`). */
  readonly log: LogBus;
  /** The MTA's metrics; add a plugin's own to `metrics.registry`, which `GET /metrics` serves. */
  readonly metrics: MtaMetrics;
  /** MX resolution with its cache, shared by every plugin and the queue. */
  readonly resolver: MxResolver;
  /**
   * Outside stores (Redis…): a plugin using one registers its status here; `GET
   * /api/check-health/v1` and the `mtakit_outside_store_up` gauge report them, and each change is logged.
   */
  readonly stores: OutsideStores;
  /**
   * The MTA's policy, every layer assembled (the application's, then each plugin's), as the queue
   * and the listeners ask it. Assembled after every plugin's setup: call it when records or
   * messages arrive, not during setup. Absent in contexts built outside `createMta`.
   */
  readonly policy?: () => Policy;
}

/**
 * What a plugin adds to the MTA. Every member is optional. Where several plugins give the same
 * kind of thing, `createMta` combines them: policies are layered (plugin order, after the
 * application's own), delivery gates run in order (the first reply wins), log consumers all
 * receive every record; a pre-send hook, a shaper, a classifier, a report reader and the queue
 * may come from one plugin only.
 */
export interface PluginProvides {
  /** A policy layer: answers events the layers before it left unanswered (broadcast events reach every layer). */
  policy?: Policy;
  /** The pre-send decision (stage 2) for SMTP and HTTP injection. */
  preSend?: PreSendHook;
  /** Throttles and connection leases for the queue. */
  shaper?: Shaper;
  /** Bounce categories for TransientFailure and Bounce records. */
  classify?: Classifier;
  /** Reads mail for report domains (`log_oob` / `log_arf`) into OOB and Feedback records. */
  reportReader?: InboundReportReader;
  /** A check of each message right before it is sent. */
  deliveryGate?: DeliveryGate;
  /** The queue asks get_queue_config per message instead of per queue (a policy reads the message). */
  perMessageQueueConfig?: boolean | (() => boolean);
  /** Receive every log record from the start of the MTA until it stops. */
  logConsumers?: LogConsumer[];
  /** The scheduled and ready queues themselves (the `@mtakit/queue` plugin). */
  queue?: QueueProvider;
  /** Adds HTTP routes to the admin listener once the queue exists. */
  routes?(http: HttpListener, queue: RunningQueue): void;
  /** Adds metrics (read at scrape time) once the queue exists. */
  metrics?(registry: Registry, queue: RunningQueue): void;
  /** Called once the queue exists, before the listeners open (background work, acting on the queue). */
  start?(running: { queue: RunningQueue }): Awaitable<void>;
  /**
   * Called by `reload()` (and `POST /api/admin/bump-config-epoch`) before the queue's config
   * caches are dropped: re-read files, rebuild rules. Throw to refuse; the old config stays.
   */
  reload?(): Awaitable<void>;
  /** Called on shutdown, after the listeners closed and the queue stopped, in reverse order. */
  stop?(): Awaitable<void>;
}

/** What the queue is built with: the assembled policy and what the other plugins provided. */
export interface QueueWiring {
  policy: Policy;
  shaper: Shaper | undefined;
  classify: Classifier | undefined;
  deliveryGate: DeliveryGate | undefined;
  perMessageQueueConfig: boolean | (() => boolean);
}

/** Builds the queue once every plugin is set up. */
export type QueueProvider = (wiring: QueueWiring) => Awaitable<QueueEngine>;

/** The queue as plugins use it: its admin operations and views, and its config epoch. */
export interface RunningQueue extends QueueControl, QueueViews {
  /** Drops every cached config: the policy is asked again (KumoMTA's bump-config-epoch). */
  bumpConfigEpoch(): void;
}

/** The queue as createMta drives it: what plugins use, plus intake, recovery and shutdown. */
export interface QueueEngine extends RunningQueue {
  /** Stores accepted messages durably and schedules them (the listeners' `accept`). */
  enqueue: AcceptMessages;
  /** Re-queues what the spool holds; resolves when everything is back in its queue. */
  recover(): Promise<{ recovered: number; ms: number }>;
  /** Stops dispatching and waits for the deliveries in flight. */
  shutdown(): Promise<void>;
}
