/** Counters of one endpoint, read by `EventHub.stats()` and the metrics collector. */
export class EndpointStats {
  sent = 0;
  /** Failed attempts (a batch retried five times counts five). */
  failed = 0;
  deadLettered = 0;
  /** Append time of the batch now being delivered, or null when the endpoint is caught up. */
  oldestQueuedAt: number | null = null;
  latencyMsTotal = 0;
  latencyCount = 0;

  recordSent(events: number, latencyMs: number): void {
    this.sent += events;
    this.latencyMsTotal += latencyMs;
    this.latencyCount += 1;
  }
}

export interface EndpointStatus {
  name: string;
  target: string;
  sent: number;
  failed: number;
  dead_lettered: number;
  queued: number;
  oldest_age_ms: number;
  mean_latency_ms: number;
  breaker: 'closed' | 'open' | 'half-open';
}
