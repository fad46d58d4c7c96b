import type { BounceClassifier } from './classifier.js';
import { reportToLogRecords } from './records.js';
import { BounceParseError, parseReport } from './report.js';
import type { VerpOptions } from './verp.js';
import {
  reportMode, withLogRecordDefaults,
  type InboundReportContext, type InboundReportOutcome, type InboundReportReader, type ListenerDomainInput, type LogRecord,
} from '@mtakit/core';

/** How reports received for a domain are read. TypeScript policies may add it to a listener domain. */
export interface InboundReportOptions {
  /** Verifies signed `X-MtaKit-Ref` headers (the secret used at send time). */
  traceSecret?: string | Buffer;
  /** Restricts which addresses count as VERP (`{ domain, prefix }`). */
  verp?: Partial<VerpOptions>;
  /** Classifies the reported replies. Default: the built-in rules. */
  classifier?: BounceClassifier;
}

/** A listener domain as `get_listener_domain` may return it, with the optional report settings. */
export interface ReportListenerDomain extends ListenerDomainInput {
  reports?: InboundReportOptions;
}

/**
 * Reads a message received for a report domain. A DSN (or auto-reply) is logged when the domain's
 * `log_oob` allows it, an ARF report when its `log_arf` does; `LogThenRelay` relays it too. Anything
 * else, or a report of a kind the domain does not log, is relayed when the domain relays
 * (`relay_to` or a `LogThenRelay` mode), and otherwise dropped with an `OOB` record whose
 * `extra.oob.action` is `"dropped"` saying why, so nothing accepted vanishes without a trace.
 */
export const readInboundReport: InboundReportReader = async (data: Buffer, domain: ReportListenerDomain, context: InboundReportContext): Promise<InboundReportOutcome> => {
  const options = domain.reports ?? {};
  const oob = reportMode(domain.log_oob);
  const arf = reportMode(domain.log_arf);
  const relaysAnyway = domain.relay_to === true || oob === 'LogThenRelay' || arf === 'LogThenRelay';
  let why: string;
  try {
    const report = await parseReport(data, {
      envelopeRecipient: context.recipient,
      ...(options.traceSecret !== undefined ? { traceSecret: options.traceSecret } : {}),
      ...(options.verp ? { verp: options.verp } : {}),
    });
    const mode = report.kind === 'arf' ? arf : oob;
    if (mode !== 'Ignore') {
      const records = reportToLogRecords(report, {
        nodeid: context.nodeId, size: data.length,
        ...(options.classifier ? { classifier: options.classifier } : {}),
        ...(context.now ? { clock: { now: context.now } } : {}),
      }).map((r) => ({ ...r, sender: context.sender, session_id: context.sessionId }));
      return { records, relay: mode === 'LogThenRelay' };
    }
    why = `${report.kind === 'arf' ? 'feedback reports' : 'bounces'} are not logged for this domain`;
  } catch (error) {
    if (!(error instanceof BounceParseError)) throw error;
    why = error.message;
  }
  if (relaysAnyway) return { records: [], relay: true };
  return { records: [droppedRecord(data, context, why)], relay: false };
};

function droppedRecord(data: Buffer, context: InboundReportContext, why: string): LogRecord {
  const now = context.now?.() ?? Date.now();
  return withLogRecordDefaults({
    type: 'OOB', id: '', sender: context.sender, recipient: context.recipient, queue: '', site: '', size: data.length,
    response: { code: 250, enhanced_code: null, content: '', command: null }, peer_address: null,
    timestamp: Math.floor(now / 1000), event_time: new Date(now).toISOString(), created: Math.floor(now / 1000), num_attempts: 0,
    bounce_classification: 'Uncategorized', meta: {}, reception_protocol: 'ESMTP', nodeid: context.nodeId, session_id: context.sessionId,
    extra: { oob: { action: 'dropped', reason: why } },
  });
}
