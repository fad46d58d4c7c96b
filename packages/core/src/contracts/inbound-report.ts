import type { LogRecord } from '../log/records.js';
import type { ListenerDomainInput } from '../policy/events.js';

export type ReportMode = 'Ignore' | 'LogThenRelay' | 'LogThenDrop';

/** KumoMTA's values; the legacy booleans mean Ignore (false) and LogThenRelay (true). */
export function reportMode(value: ListenerDomainInput['log_oob']): ReportMode {
  if (value === true) return 'LogThenRelay';
  if (value === undefined || value === false) return 'Ignore';
  return value;
}

/** Mail for this domain is read as bounces or feedback reports rather than (only) relayed. */
export function isReportDomain(domain: ListenerDomainInput | undefined): boolean {
  return domain !== undefined && (reportMode(domain.log_oob) !== 'Ignore' || reportMode(domain.log_arf) !== 'Ignore');
}

export interface InboundReportOutcome {
  /** OOB / Feedback records to log (one per reported recipient), or one `dropped` OOB record. */
  records: LogRecord[];
  /** Whether the message must also be relayed (queued) like ordinary mail. */
  relay: boolean;
}

export interface InboundReportContext {
  sender: string;
  recipient: string;
  nodeId: string;
  sessionId: string | null;
  now?: () => number;
}

/**
 * Reads a message received for a report domain (`log_oob` / `log_arf`) into log records. The SMTP
 * listener knows only this contract; `@mtakit/bounce` provides the implementation
 * (`readInboundReport`), so core stays free of MIME and DSN parsing.
 */
export type InboundReportReader = (data: Buffer, domain: ListenerDomainInput, context: InboundReportContext) => Promise<InboundReportOutcome>;
