import { toKumoJson, type MtaMetrics } from '../metrics/index.js';
import type { DiagnosticLogFilter } from './log-filter.js';
import { httpReply, type HttpListener, type HttpRequest } from './listener.js';
import { machineInfo } from './machine-info.js';

export interface NodeRoutesOptions {
  /** The node's stable id (KumoMTA's `nodeid`). */
  nodeId: string;
  /** What `machine-info` calls this process (kumod says `kumod`). Default `mtakit`. */
  processKind?: string;
  /** The running version. */
  version: string;
  metrics?: MtaMetrics;
  /** The other workers' metrics (`getMetricsAsJSON()` each): `/metrics` and `/metrics.json` then show the whole node. */
  peerMetrics?: () => Promise<unknown[]>;
  /** The filter `set_diagnostic_log_filter` changes; without one the endpoint answers 501. */
  logFilter?: DiagnosticLogFilter;
}

/**
 * The node-level endpoints of kumod's HTTP API: liveness, `/metrics` (Prometheus text) and
 * `/metrics.json` (kumod's JSON shape), `machine-info`, `memory/stats`, `task-dump`,
 * `set_diagnostic_log_filter`. Endpoints that have no meaning in a single mtakit node answer
 * 501 with the alternative (see {@link refuseUnsupported}).
 */
export function registerNodeRoutes(http: HttpListener, options: NodeRoutesOptions): void {
  const onlineSince = new Date(Date.now() - process.uptime() * 1000).toISOString();
  http.route('GET', '/api/check-liveness/v1', () => ({ ok: true }), { public: true });
  const metrics = options.metrics;
  if (metrics) {
    const peers = options.peerMetrics;
    const registry = async () => (peers ? metrics.aggregatedWith((await peers()) as Parameters<MtaMetrics['aggregatedWith']>[0]) : metrics.registry);
    http.route('GET', '/metrics', async () => httpReply({ text: { contentType: metrics.registry.contentType, content: await (await registry()).metrics() } }));
    http.route('GET', '/metrics.json', async () => (peers ? toKumoJson(await (await registry()).getMetricsAsJSON()) : metrics.toJson()));
  }
  http.route('GET', '/api/machine-info', () => machineInfo({ nodeId: options.nodeId, processKind: options.processKind ?? 'mtakit', version: options.version, onlineSince }));
  http.route('GET', '/api/admin/memory/stats', () => text(memoryStats()));
  http.route('GET', '/api/admin/task-dump', () => text(taskDump()));
  http.route('POST', '/api/admin/set_diagnostic_log_filter/v1', (r) => {
    if (!options.logFilter) return httpReply({ status: 501, body: { error: 'this node has no diagnostic log filter to set' } });
    const filter = (r.body as { filter?: unknown } | undefined)?.filter;
    options.logFilter.set(filter as string);
    return {};
  });
  refuseUnsupported(http);
}

/**
 * kumod endpoints that mtakit refuses, each with a 501 naming what to use instead (never a 404
 * that looks like a typo, never a 200 that does nothing).
 */
export const UNSUPPORTED_ENDPOINTS: ReadonlyArray<{ method: string; path: string; instead: string }> = [
  { method: 'POST', path: '/api/admin/xfer/v1', instead: 'rebind the messages to a routing_domain whose queue config relays to the other node (POST /api/admin/rebind/v1)' },
  { method: 'POST', path: '/api/admin/xfer/cancel/v1', instead: 'rebind the messages back (POST /api/admin/rebind/v1 with an empty routing_domain)' },
  { method: 'POST', path: '/api/xfer/inject/v1', instead: 'submit the message over SMTP or POST /api/inject/v1' },
  { method: 'POST', path: '/api/admin/abort-ready-q-conn/v1', instead: 'suspend the ready queue (POST /api/admin/suspend-ready-q/v1); its connections close after their current transaction' },
  { method: 'GET', path: '/api/admin/trace-smtp-client/v1', instead: 'the delivery log records (with transcripts) or a log hook' },
  { method: 'GET', path: '/api/admin/trace-smtp-server/v1', instead: 'the reception log records or a log hook' },
];

function refuseUnsupported(http: HttpListener): void {
  for (const e of UNSUPPORTED_ENDPOINTS) {
    http.route(e.method, e.path, (r: HttpRequest) => httpReply({ status: 501, body: { error: `${r.method} ${r.path} is not supported by mtakit; instead: ${e.instead}`, code: 'E_UNSUPPORTED' } }));
  }
}

function text(content: string) {
  return httpReply({ text: { contentType: 'text/plain; charset=utf-8', content } });
}

/** Human-readable memory figures (kumod's output is unstructured too). */
function memoryStats(): string {
  const m = process.memoryUsage();
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return [`rss: ${mib(m.rss)}`, `heap_total: ${mib(m.heapTotal)}`, `heap_used: ${mib(m.heapUsed)}`, `external: ${mib(m.external)}`, `array_buffers: ${mib(m.arrayBuffers)}`, ''].join('\n');
}

/** The event loop's live resources by kind: what Node has in place of kumod's task dump. */
function taskDump(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [`uptime: ${process.uptime().toFixed(1)}s`, ...[...counts].sort().map(([k, n]) => `${k}: ${n}`), ''].join('\n');
}
