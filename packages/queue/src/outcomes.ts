import {
  domainOf, internalResponse, parseQueueName, queueNameFor, type Clock, type LogBus, type LogRecordType, type Message, type Policy,
  type QueueConfig, type SmtpResponse, type Spool, type Timers,
} from '@mtakit/core';
import { readyQueueService, type MtaMetrics } from '@mtakit/core/metrics';
import type { AttemptResult, DeliveryChannel } from './delivery/channel.js';
import { publishDurably, publishOrReport, type FaultReport } from './faults.js';
import type { ReadyQueue } from './ready/ready-queue.js';
import { messageRecord } from './records.js';
import { deadline, nextAttemptDue } from './retry.js';

export interface OutcomeDeps {
  spool: Spool;
  log: LogBus;
  policy: Policy;
  clock: Clock;
  nodeId: string;
  metrics: MtaMetrics | undefined;
  classify: ((response: SmtpResponse) => string) | undefined;
  random: () => number;
  timers: Timers;
  report: FaultReport;
  isStopping(): boolean;
  /** The queue config for a scheduled queue (cached). */
  queueConfig(queueName: string, message?: Message): Promise<QueueConfig>;
  /** Puts a message back in its scheduled queue, due at `due`. */
  reschedule(queueName: string, message: Message, due: number): void;
}

/** Where an attempt happened, for its log record. */
export interface AttemptContext {
  queue: string;
  readyQueue?: ReadyQueue;
  channel?: DeliveryChannel;
}

/**
 * Turns attempt results into log records and spool changes: Delivery and Bounce are terminal (record
 * written, then the message removed); a transient failure counts the attempt, asks
 * `requeue_message`, computes the next due time from the queue's retry schedule and either
 * requeues the message or expires it.
 */
export class Outcomes {
  constructor(readonly deps: OutcomeDeps) {}

  async handle(message: Message, result: AttemptResult, ctx: AttemptContext): Promise<void> {
    const response = await this.#rewrite(result.response, ctx.queue);
    const service = readyQueueService(ctx.readyQueue?.name ?? ctx.queue);
    if (response.code >= 200 && response.code < 300) {
      this.deps.metrics?.delivered.inc({ service });
      return this.terminal('Delivery', message, response, ctx, result.transcript);
    }
    if (response.code >= 500) {
      this.deps.metrics?.failed.inc({ service });
      return this.terminal('Bounce', message, response, ctx, result.transcript);
    }
    this.deps.metrics?.transfailed.inc({ service });
    return this.transientFailure(message, response, ctx, result.transcript);
  }

  /**
   * Logs a terminal record, then removes the message from the spool. While the log cannot be
   * written the message stays (and is handled again after a restart): a record is never lost.
   */
  async terminal(type: LogRecordType, message: Message, response: SmtpResponse, ctx: AttemptContext, transcript?: string[]): Promise<void> {
    const { log, report, timers } = this.deps;
    if (!(await publishDurably(log, this.#record(type, message, response, ctx, transcript), report, timers, () => this.deps.isStopping()))) return;
    await this.deps.spool.remove(message.id);
  }

  async transientFailure(message: Message, response: SmtpResponse, ctx: AttemptContext, transcript?: string[]): Promise<void> {
    message.numAttempts++;
    await this.deps.policy.requeue_message?.(message, response);
    const queue = queueNameFor(message.meta, domainOf(message.recipient));
    const config = await this.deps.queueConfig(queue, message);
    const now = this.deps.clock.now();
    const due = nextAttemptDue(message.numAttempts, now, message.createdAt, config, { expires: expiresOf(message), random: this.deps.random });
    await publishOrReport(this.deps.log, this.#record('TransientFailure', message, response, ctx, transcript), this.deps.report);
    if (due === undefined) return this.expire(message, config, { ...ctx, queue });
    message.due = due;
    await this.deps.spool.updateMeta(message);
    this.deps.reschedule(queue, message, due);
  }

  /** Expires a message whose next attempt would fall after its deadline. */
  async expire(message: Message, config: QueueConfig, ctx: AttemptContext): Promise<void> {
    const end = new Date(deadline(message.createdAt, config, expiresOf(message))).toISOString();
    const response = internalResponse(551, '5.4.7', `Next delivery time would be after the message expiry time ${end}`);
    await this.terminal('Expiration', message, response, ctx);
  }

  async #rewrite(response: SmtpResponse, queue: string): Promise<SmtpResponse> {
    const hook = this.deps.policy.smtp_client_rewrite_delivery_status;
    if (!hook || response.code < 400) return response;
    const p = parseQueueName(queue);
    const code = await hook(response, p.domain, p.tenant, p.campaign, p.routing_domain);
    if (code === undefined || code === response.code) return response;
    return { ...response, code, content: `${response.content} (kumomta: status was rewritten from ${response.code} -> ${code})` };
  }

  #record(type: LogRecordType, message: Message, response: SmtpResponse, ctx: AttemptContext, transcript: string[] | undefined) {
    const rq = ctx.readyQueue;
    const failed = type === 'Bounce' || type === 'TransientFailure';
    return messageRecord(type, message, {
      queue: ctx.queue,
      ...(rq ? { site: rq.name, egressPool: rq.pool, egressSource: rq.source.name, sourceAddress: rq.source.source_address, providerName: rq.path.provider_name ?? null } : {}),
      response,
      ...(ctx.channel ? { channel: ctx.channel } : {}),
      transcript,
      ...(failed && this.deps.classify ? { classification: this.deps.classify(response) } : {}),
      nodeId: this.deps.nodeId,
      now: this.deps.clock.now(),
    });
  }
}

/** A per-message deadline from meta `expires` (Unix seconds or an RFC 3339 time). */
export function expiresOf(message: Message): number | undefined {
  return timeMeta(message.getMeta('expires'));
}

export function timeMeta(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string' && value !== '') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
