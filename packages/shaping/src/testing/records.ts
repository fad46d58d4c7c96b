import type { LogRecord, SmtpResponse } from '@mtakit/core';

export interface RecordInit {
  type?: LogRecord['type'];
  recipient?: string;
  source?: string;
  siteName: string;
  queue?: string;
  /** `"421 4.7.28 text"`, or a full response. */
  response: string | SmtpResponse;
  /** Ms since the epoch. */
  at: number;
}

/** A delivery log record as the dispatcher writes it, with only what automation reads filled in. */
export function deliveryRecord(init: RecordInit): LogRecord {
  const source = init.source ?? 'ip-1';
  const recipient = init.recipient ?? 'someone@gmail.com';
  return {
    type: init.type ?? 'TransientFailure',
    id: '0'.repeat(32),
    sender: 'bounce@sender.example',
    recipient,
    queue: init.queue ?? recipient.slice(recipient.indexOf('@') + 1),
    site: `${source}->${init.siteName}@smtp_client`,
    size: 1000,
    response: typeof init.response === 'string' ? parseResponse(init.response) : init.response,
    peer_address: null,
    timestamp: Math.floor(init.at / 1000),
    event_time: new Date(init.at).toISOString(),
    created: Math.floor(init.at / 1000),
    num_attempts: 1,
    bounce_classification: 'Uncategorized',
    egress_pool: 'pool',
    egress_source: source,
    source_address: null,
    meta: {},
    headers: {},
    delivery_protocol: 'ESMTP',
    reception_protocol: null,
    nodeid: 'node',
    tls_cipher: null,
    tls_protocol_version: null,
    tls_peer_subject_name: null,
    session_id: null,
    provider_name: null,
  };
}

function parseResponse(line: string): SmtpResponse {
  const m = /^(\d{3}) (?:(\d)\.(\d{1,3})\.(\d{1,3}) )?(.*)$/.exec(line);
  if (!m) throw new Error(`not a response line: ${line}`);
  return {
    code: Number(m[1]),
    enhanced_code: m[2] ? { class: Number(m[2]), subject: Number(m[3]), detail: Number(m[4]) } : null,
    content: m[5] as string,
    command: null,
  };
}
