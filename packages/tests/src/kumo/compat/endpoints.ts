/**
 * kumod's HTTP API (KumoMTA docs/reference/http/kumod: 31 endpoints) and how mtakit answers each.
 * - supported: kumod's request and response shapes (the fields kcli reads)
 * - partial: answers, with the difference in `note`
 * - refused: 501 with the alternative in the error
 * compat.test.ts calls every one on a running MTA and checks the status class.
 */
export type EndpointStatus = 'supported' | 'partial' | 'refused';

export interface EndpointEntry {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  status: EndpointStatus;
  note: string;
  /** A request that the endpoint answers without a 4xx (query string and body). */
  probe?: { query?: string; body?: unknown };
}

export const KUMOD_ENDPOINTS: readonly EndpointEntry[] = [
  { method: 'POST', path: '/api/admin/abort-ready-q-conn/v1', status: 'refused', note: 'connections have no session ids; suspend the ready queue instead' },
  { method: 'DELETE', path: '/api/admin/bounce/v1', status: 'supported', note: '', probe: { body: { id: '00000000-0000-0000-0000-000000000000' } } },
  { method: 'GET', path: '/api/admin/bounce/v1', status: 'supported', note: 'with `duration`, `bounced` per queue, `total_bounced`' },
  { method: 'POST', path: '/api/admin/bounce/v1', status: 'supported', note: '`{ id, bounced, total_bounced }`', probe: { body: { domain: 'probe.invalid', reason: 'probe', duration: '1s' } } },
  { method: 'POST', path: '/api/admin/bump-config-epoch', status: 'supported', note: '' },
  { method: 'GET', path: '/api/admin/inspect-message/v1', status: 'supported', note: 'adds `held`', probe: { query: 'id=none' } },
  { method: 'GET', path: '/api/admin/inspect-ready-q/v1', status: 'partial', note: '`dispatchers` empty (no session ids), `mx` null, no `watchdog_threshold`; `path_config` holds the path limits', probe: { query: 'queue_name=none' } },
  { method: 'GET', path: '/api/admin/inspect-sched-q/v1', status: 'partial', note: 'no `delayed_metric`/`last_changed`; `limit` defaults to 20, not all', probe: { query: 'queue_name=none' } },
  { method: 'GET', path: '/api/admin/memory/stats', status: 'supported', note: 'unstructured text, as kumod (Node heap figures)' },
  { method: 'GET', path: '/api/admin/ready-q-states/v1', status: 'supported', note: 'map of held-back queues; mtakit\'s full listing is `/api/admin/ready-queues/v1`' },
  { method: 'POST', path: '/api/admin/rebind/v1', status: 'partial', note: 'answers `{ rebound }`; a rebound message keeps its due time unless `always_flush`; without a `rebind_message` handler `data` is applied as meta', probe: { body: { domain: 'probe.invalid', reason: 'probe' } } },
  { method: 'GET', path: '/api/admin/resolve-egress-path/v1', status: 'partial', note: '`mx` is the host list (not MxResolution); `limits` instead of `constraints`', probe: { query: 'domain=example.com' } },
  { method: 'POST', path: '/api/admin/set_diagnostic_log_filter/v1', status: 'partial', note: 'one logger: the most verbose level given for no target, `kumod` or `mtakit` applies; other targets 400', probe: { body: { filter: 'info' } } },
  { method: 'POST', path: '/api/admin/spool-compact/v1', status: 'supported', note: '`data`/`meta`: nothing to compact (kumod does nothing for local-disk spools either)', probe: { body: { name: 'data' } } },
  { method: 'DELETE', path: '/api/admin/suspend-ready-q/v1', status: 'supported', note: '', probe: { body: { id: '00000000-0000-0000-0000-000000000000' } } },
  { method: 'GET', path: '/api/admin/suspend-ready-q/v1', status: 'supported', note: 'with `duration`' },
  { method: 'POST', path: '/api/admin/suspend-ready-q/v1', status: 'supported', note: '', probe: { body: { name: 'probe->none@smtp_client', reason: 'probe', duration: '1s' } } },
  { method: 'DELETE', path: '/api/admin/suspend/v1', status: 'supported', note: '', probe: { body: { id: '00000000-0000-0000-0000-000000000000' } } },
  { method: 'GET', path: '/api/admin/suspend/v1', status: 'supported', note: 'with `duration`' },
  { method: 'POST', path: '/api/admin/suspend/v1', status: 'supported', note: '', probe: { body: { domain: 'probe.invalid', reason: 'probe', duration: '1s' } } },
  { method: 'GET', path: '/api/admin/task-dump', status: 'partial', note: 'Node\'s live resources by kind instead of Tokio tasks' },
  { method: 'GET', path: '/api/admin/trace-smtp-client/v1', status: 'refused', note: 'a WebSocket stream of SMTP client events; use the delivery records (with transcripts) or an events endpoint' },
  { method: 'GET', path: '/api/admin/trace-smtp-server/v1', status: 'refused', note: 'a WebSocket stream of SMTP server events; use the reception records or an events endpoint' },
  { method: 'POST', path: '/api/admin/xfer/cancel/v1', status: 'refused', note: 'no transfer between nodes; rebind back instead' },
  { method: 'POST', path: '/api/admin/xfer/v1', status: 'refused', note: 'no transfer between nodes; rebind to a routing_domain that relays to the other node' },
  { method: 'GET', path: '/api/check-liveness/v1', status: 'supported', note: '' },
  { method: 'POST', path: '/api/inject/v1', status: 'partial', note: 'see "HTTP injection" below', probe: { body: { envelope_sender: 'probe@example.com', content: 'Subject: probe\r\n\r\nprobe', recipients: [{ email: 'probe@probe.invalid' }], substitutions: {} } } },
  { method: 'GET', path: '/api/machine-info', status: 'supported', note: '`process_kind` is `mtakit`' },
  { method: 'POST', path: '/api/xfer/inject/v1', status: 'refused', note: 'the receiving end of xfer; inject over SMTP or `/api/inject/v1`' },
  { method: 'GET', path: '/metrics.json', status: 'supported', note: 'kumod\'s JSON shape (histograms as count/sum/avg/bucket)' },
  { method: 'GET', path: '/metrics', status: 'supported', note: 'ready-queue series labelled `service="smtp_client:<queue>"` as kcli queue-summary reads them' },
];
