import { MtaKitError, type JsonValue, type Message } from '@mtakit/core';

/**
 * Message methods beyond headers and meta: scheduling (KumoMTA's set_scheduling and
 * import_scheduling_header, honoured for `first_attempt`; delivery windows and expires are
 * refused) and
 * Authentication-Results.
 */
export function setScheduling(msg: Message, sched: JsonValue | undefined): void {
  if (sched === undefined || sched === null) {
    msg.due = undefined;
    return;
  }
  if (typeof sched !== 'object' || Array.isArray(sched)) throw new MtaKitError('E_POLICY', 'set_scheduling expects a table or nil');
  for (const key of Object.keys(sched)) {
    if (['dow', 'tz', 'start', 'end'].includes(key)) {
      throw new MtaKitError('E_POLICY', `set_scheduling: ${key}: delivery windows are not supported by mtakit; use first_attempt (a start time) and expires`);
    }
    if (key === 'expires') throw new MtaKitError('E_POLICY', 'set_scheduling: expires is not supported by mtakit; set max_age in the queue config');
    if (key !== 'first_attempt') throw new MtaKitError('E_POLICY', `set_scheduling: unknown field ${key} (first_attempt)`);
  }
  const v = sched['first_attempt'];
  if (v === undefined) return;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new MtaKitError('E_POLICY', `set_scheduling: first_attempt must be an RFC 3339 time, not ${JSON.stringify(v)}`);
  msg.due = t;
}

/** `msg:import_scheduling_header(name, remove)`: the header's JSON value given to setScheduling. */
export function importSchedulingHeader(msg: Message, name: string, remove: boolean): void {
  const value = msg.getFirstHeader(name);
  if (value === undefined) return;
  let sched: JsonValue;
  try {
    sched = JSON.parse(value) as JsonValue;
  } catch {
    throw new MtaKitError('E_POLICY', `${name}: not a JSON scheduling object: ${value.slice(0, 80)}`);
  }
  setScheduling(msg, sched);
  if (remove) msg.removeAllHeaders(name);
}

/** RFC 8601 `Authentication-Results` from KumoMTA's authenticationresult objects. */
export function authenticationResults(serverId: string, results: JsonValue | undefined): string {
  const list = Array.isArray(results) ? results : [];
  const parts = list.map((r) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r) || typeof r['method'] !== 'string' || typeof r['result'] !== 'string') {
      throw new MtaKitError('E_POLICY', 'add_authentication_results: each result needs method and result');
    }
    const version = r['method_version'] !== undefined ? `/${String(r['method_version'])}` : '';
    const reason = typeof r['reason'] === 'string' ? ` reason=${JSON.stringify(r['reason'])}` : '';
    const props = r['props'] && typeof r['props'] === 'object' && !Array.isArray(r['props'])
      ? Object.entries(r['props']).map(([k, v]) => ` ${k}=${String(v)}`).join('')
      : '';
    return `${r['method']}${version}=${r['result']}${reason}${props}`;
  });
  return [serverId, ...(parts.length ? parts : ['none'])].join(';\r\n\t');
}
