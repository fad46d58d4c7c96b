import { withLogRecordDefaults, type LogRecord, type LogRecordType } from '@mtakit/core';

/** A log record for tests: message `n`, of `type`, for `tenant`. */
export function testRecord(n: number, type: LogRecordType = 'Delivery', tenant = 'acme', attempt = 1): LogRecord {
  const ts = 1_700_000_000 + n;
  return withLogRecordDefaults({
    type,
    id: n.toString(16).padStart(32, '0'),
    sender: 'news@acme.example',
    recipient: `user${n}@example.net`,
    queue: `${tenant}@example.net`,
    site: 'unspecified->127.0.0.1@smtp_client',
    size: 1024,
    response: { code: 250, enhanced_code: null, content: 'ok', command: null },
    peer_address: null,
    timestamp: ts,
    event_time: new Date(ts * 1000).toISOString(),
    created: ts,
    num_attempts: attempt,
    bounce_classification: 'Uncategorized',
    meta: { tenant },
    reception_protocol: null,
    nodeid: 'test',
  });
}
