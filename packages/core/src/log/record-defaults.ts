import type { LogRecord } from './records.js';

/** Fields of a log record that only delivery attempts over TLS/egress fill in. */
export type LogRecordDefaults = Pick<
  LogRecord,
  | 'egress_pool' | 'egress_source' | 'source_address' | 'headers' | 'delivery_protocol' | 'tls_cipher'
  | 'tls_protocol_version' | 'tls_peer_subject_name' | 'session_id' | 'provider_name'
>;

/**
 * Their "not applicable" values, for records written outside the egress path (OOB, Feedback,
 * Rejection, scorer verdicts): spread it first and override what the record knows.
 */
export function logRecordDefaults(): LogRecordDefaults {
  return {
    egress_pool: null,
    egress_source: null,
    source_address: null,
    headers: {},
    delivery_protocol: null,
    tls_cipher: null,
    tls_protocol_version: null,
    tls_peer_subject_name: null,
    session_id: null,
    provider_name: null,
  };
}
