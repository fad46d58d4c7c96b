import type { LogBus, LogRecord, Timers } from '@mtakit/core';
import type { MtaMetrics } from '@mtakit/core/metrics';

export type FaultKind = 'log_write' | 'spool_read' | 'admin_state';

/** Reports a fault the queue survives: a log line and the `mtakit_queue_faults_total` metric. */
export type FaultReport = (kind: FaultKind, message: string) => void;

export function faultReport(logger: ((level: 'error', message: string) => void) | undefined, metrics: MtaMetrics | undefined): FaultReport {
  return (kind, message) => {
    metrics?.queueFaults.inc({ kind });
    if (logger) logger('error', message);
    // Without a logger the fault still reaches stderr: a full log disk must not hide it.
    else process.stderr.write(`mtakit queue: ${message}\n`);
  };
}

/**
 * Publishes a record whose loss is bearable (Reception, TransientFailure, AdminRebind): a failed
 * log write (ENOSPC, EMFILE) is reported, never thrown — the message itself is safe in the spool.
 */
export async function publishOrReport(log: LogBus, record: LogRecord, report: FaultReport): Promise<void> {
  try {
    await log.publish(record);
  } catch (error) {
    reportLogWrite(report, record, error);
  }
}

/**
 * `publishOrReport` without a promise of its own (see `LogBus.publishAll`): undefined when the
 * consumers took the records synchronously, else what to wait for.
 */
export function publishAllOrReport(log: LogBus, records: readonly LogRecord[], report: FaultReport): Promise<void> | undefined {
  return log.publishAll(records, (record, error) => reportLogWrite(report, record, error));
}

function reportLogWrite(report: FaultReport, record: LogRecord, error: unknown): void {
  report('log_write', `cannot log ${record.type} of ${record.id}: ${(error as Error).message}`);
}

/** Longest pause between attempts to write a record that must be written (see publishDurably). */
const MAX_LOG_RETRY_MS = 5000;

/**
 * Publishes a record that must be written before its message leaves the spool (Delivery, Bounce,
 * Expiration, AdminBounce): retried with backoff while the log fails. False when the queue stops
 * first: the caller then keeps the message in the spool, so the next start handles it again.
 */
export async function publishDurably(log: LogBus, record: LogRecord, report: FaultReport, timers: Timers, isStopping: () => boolean): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await log.publish(record);
      return true;
    } catch (error) {
      report('log_write', `cannot log ${record.type} of ${record.id} (attempt ${attempt + 1}): ${(error as Error).message}; the message stays in the spool until it is logged`);
      if (isStopping()) return false;
      await new Promise<void>((resolve) => timers.after(Math.min(100 * 2 ** attempt, MAX_LOG_RETRY_MS), resolve));
    }
  }
}
