import type { PathLimits, QueueLimits } from './shaping-keys.js';

/** A ready queue as other plugins read it (the queue's view has more fields). */
export interface ReadyQueueView {
  /** `source->site_name@protocol`. */
  name: string;
  egress_source: string;
  site_name: string;
}

/** The limits an egress path enforces, per ready queue. */
export interface EgressPathView extends ReadyQueueView {
  limits: PathLimits;
}

/** Which mail to resolve an egress path for (KumoMTA's resolve-egress-path query). */
export interface EgressPathRequest {
  domain: string;
  source?: string | undefined;
  tenant?: string | undefined;
  campaign?: string | undefined;
  routing_domain?: string | undefined;
}

/** What the hooks say for that mail; the queue's answer has more fields (configs, MX, queue names). */
export interface EgressPathResolutionView {
  source: string;
  site_name: string;
  limits: PathLimits & QueueLimits;
}

/**
 * The queue's read-only views other plugins build on (shaping's admin routes and gauges).
 * Implemented by `@mtakit/queue`'s QueueManager.
 */
export interface QueueViews {
  readyQueueStates(): ReadyQueueView[];
  egressPathLimits(): EgressPathView[];
  resolveEgressPath(request: EgressPathRequest): Promise<EgressPathResolutionView>;
}
