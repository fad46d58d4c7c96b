import { withLogRecordDefaults } from '../log/record-defaults.js';
import type { LogRecord } from '../log/records.js';
import { parseReply } from '../egress/reply.js';

export interface RejectionInfo {
  code: number;
  text: string;
  sender: string;
  recipients: string[];
  remoteAddress: string;
  listener: string;
  sessionId: string | null;
  nodeId: string;
}

/** A Rejection log record for a 4xx/5xx reply a listener sent. */
export function rejectionRecord(r: RejectionInfo): LogRecord {
  const now = Date.now();
  const response = parseReply(`${r.code} ${r.text}`);
  return withLogRecordDefaults({
    type: 'Rejection', id: '', sender: r.sender, recipient: r.recipients.length === 1 ? (r.recipients[0] as string) : r.recipients,
    queue: '', site: '', size: 0, response, peer_address: { name: '', addr: r.remoteAddress.replace(/^::ffff:/, '') },
    timestamp: Math.floor(now / 1000), event_time: new Date(now).toISOString(), created: Math.floor(now / 1000), num_attempts: 0,
    bounce_classification: 'Uncategorized', meta: { received_via: r.listener }, reception_protocol: 'ESMTP', nodeid: r.nodeId,
    session_id: r.sessionId,
  });
}
