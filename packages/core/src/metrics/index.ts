import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { toKumoJson } from './json.js';
import { registerSystemMetrics, type SystemMetricsOptions } from './system.js';

export { toKumoJson } from './json.js';
export { foldSmallest } from './bounded.js';
/** Re-exported so packages above core add gauges to the same registry without their own prom-client. */
export { Counter, Gauge, type Registry } from 'prom-client';
export type { SystemMetricsOptions } from './system.js';

/**
 * The `service` label of a ready queue's metrics, as kumod writes it (`smtp_client:src->site@smtp_client`):
 * the delivery protocol, a colon, the queue name. `kcli queue-summary` groups by it.
 */
export function readyQueueService(readyQueue: string): string {
  const at = readyQueue.lastIndexOf('@');
  return at < 0 ? readyQueue : `${readyQueue.slice(at + 1)}:${readyQueue}`;
}

/** Open connections per `service` label, asked for at scrape time (e.g. a queue's dispatchers). */
export type ConnectionSource = () => Iterable<{ service: string; count: number }>;

/**
 * @mtakit/core/metrics — Prometheus metrics (prom-client) with KumoMTA's metric names where one
 * exists, so dashboards carry over. One `MtaMetrics` per process; components take it as an
 * optional option and record into it.
 */
export class MtaMetrics {
  readonly registry: Registry;
  readonly received: Counter<'service'>;
  readonly delivered: Counter<'service'>;
  readonly failed: Counter<'service'>;
  readonly transfailed: Counter<'service'>;
  readonly rejections: Counter<'service' | 'code'>;
  readonly connectionsTotal: Counter<'service'>;
  readonly connectionsDenied: Counter<'service'>;
  readonly connections: Gauge<'service'>;
  readonly resourceRefusals: Counter<'service' | 'resource'>;
  readonly authFailures: Counter<'service' | 'outcome'>;
  readonly authLockouts: Counter<'service' | 'scope'>;
  readonly readyCount: Gauge<'service'>;
  readonly scheduledCount: Gauge;
  readonly spoolCount: Gauge;
  readonly spoolSyncLatency: Histogram;
  readonly deliverLatency: Histogram<'service'>;
  readonly policyLatency: Histogram<'event'>;
  #spoolSize: (() => number) | undefined;
  /** Faults the queue survived (a log write or spool read that failed, admin state not saved), by kind. */
  readonly queueFaults: Counter<'kind'>;

  readonly #connectionSources: ConnectionSource[] = [];
  /** Labels a source set at the previous scrape, so vanished ones are removed. */
  #sourcedLabels = new Set<string>();

  constructor(options: { registry?: Registry; defaultMetrics?: boolean; system?: SystemMetricsOptions | false } = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    if (options.system !== false) registerSystemMetrics(this.registry, options.system ?? {});
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers });
    this.received = counter('total_messages_received', 'Messages received (one per recipient)', ['service']);
    this.delivered = counter('total_messages_delivered', 'Messages delivered', ['service']);
    this.failed = counter('total_messages_fail', 'Messages that failed permanently', ['service']);
    this.transfailed = counter('total_messages_transfail', 'Delivery attempts that failed transiently', ['service']);
    this.rejections = counter('smtp_server_rejections', 'Replies of 4xx/5xx sent by a listener', ['service', 'code']);
    this.connectionsTotal = counter('total_connection_count', 'Connections opened', ['service']);
    this.connectionsDenied = counter('total_connections_denied', 'Connections refused by limits or policy', ['service']);
    this.connections = new Gauge({ name: 'connection_count', help: 'Open connections', labelNames: ['service'], registers, collect: () => this.#sourced() });
    this.resourceRefusals = counter('resource_refusals_total', 'Connections and transactions refused because disk, descriptors, memory or connection slots ran short', ['service', 'resource']);
    this.authFailures = counter('auth_failures_total', 'Failed authentications (outcome: wrong password, or refused while locked out)', ['service', 'outcome']);
    this.authLockouts = counter('auth_lockouts_total', 'Lockouts started by repeated authentication failures (scope: ip or user)', ['service', 'scope']);
    this.queueFaults = counter('mtakit_queue_faults_total', 'Faults the queue survived (log_write, spool_read, admin_state), by kind', ['kind']);
    this.readyCount = gauge('ready_count', 'Messages in ready queues', ['service']);
    this.scheduledCount = new Gauge({ name: 'scheduled_count_total', help: 'Messages in scheduled queues', registers });
    this.spoolCount = new Gauge({
      name: 'message_count', help: 'Messages in the spool', registers,
      collect: () => {
        if (this.#spoolSize) this.spoolCount.set(this.#spoolSize());
      },
    });
    this.spoolSyncLatency = new Histogram({
      name: 'message_save_latency', help: 'Seconds to write and fsync one spool batch', registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
    this.deliverLatency = new Histogram({
      name: 'deliver_message_latency_rollup', help: 'Seconds from start of an attempt to its outcome', labelNames: ['service'], registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    });
    this.policyLatency = new Histogram({
      name: 'lua_event_latency', help: 'Seconds spent in policy hooks', labelNames: ['event'], registers,
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.05],
    });
  }

  /** Adds per-service connection counts that are read at scrape time (the queue's dispatchers). */
  addConnectionSource(source: ConnectionSource): void {
    this.#connectionSources.push(source);
  }

  /** Every metric in KumoMTA's `/metrics.json` shape. */
  async toJson(): Promise<Record<string, { help?: string; type: string; value: unknown }>> {
    return toKumoJson(await this.registry.getMetricsAsJSON());
  }

  /**
   * This process's metrics and other processes' (their registries' `getMetricsAsJSON()`, e.g.
   * the other workers of a node) as one registry: prom-client's cluster aggregation, which adds
   * counters and gauges and merges histograms.
   */
  async aggregatedWith(others: ReadonlyArray<MetricObjectWithValues<MetricValue<string>>[]>): Promise<Registry> {
    return AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...others]);
  }

  #sourced(): void {
    const now = new Set<string>();
    for (const source of this.#connectionSources) {
      for (const { service, count } of source()) {
        this.connections.set({ service }, count);
        now.add(service);
      }
    }
    for (const service of this.#sourcedLabels) if (!now.has(service)) this.connections.remove({ service });
    this.#sourcedLabels = now;
  }

  /** Where `message_count` is read from at each scrape (the queue plugin gives its spool's size). */
  countSpoolWith(read: () => number): void {
    this.#spoolSize = read;
  }
}
