import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConfigError, MtaKitError, type LogRecord } from '@mtakit/core';
import { eventBytes, type MtaEvent } from '../event.js';
import { SIGNATURE_HEADER, signatureHeader } from '../signature.js';
import { SinkError, type EventSink } from '../sink.js';

export interface WebhookOptions {
  url: string;
  /**
   * Signing secrets, newest first. Two during a rotation: both sign every request, so receivers
   * can move to the new secret at their own pace. Empty: requests go unsigned.
   */
  secrets?: readonly string[];
  /** `object`: one event per request; `array`: the batch as a JSON array in one request. */
  format?: 'object' | 'array';
  /**
   * `event` (default): `{ event_id, type, tenant, record }`; `record`: the bare log record, as
   * KumoMTA's log hooks post it (the event id then travels only in the Idempotency-Key header).
   */
  payload?: 'event' | 'record';
  /** With `payload: 'record'`: the record as posted (e.g. meta cut to what a log hook lists). */
  shapeRecord?: (record: LogRecord) => unknown;
  /** Per request (ms). */
  timeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
  now?: () => number;
}

const [OPEN, COMMA, CLOSE] = ['[', ',', ']'].map((c) => Buffer.from(c)) as [Buffer, Buffer, Buffer];

/** A batch as one JSON array: each event's bytes (by default as the journal encoded them), joined. */
export function arrayBody(events: readonly MtaEvent[], body: (event: MtaEvent) => Buffer = eventBytes): Buffer {
  const parts = events.flatMap((e, i) => (i === 0 ? [body(e)] : [COMMA, body(e)]));
  return Buffer.concat([OPEN, ...parts, CLOSE]);
}

/**
 * POSTs events as JSON, signed with HMAC-SHA256 over `${t}.${body}` (header `X-MtaKit-Signature`).
 * 2xx is success; 408, 429 and 5xx are retried; any other status is permanent (the batch goes to
 * the dead-letter store) because resending the same body will be refused again.
 */
export class WebhookSink implements EventSink {
  readonly target: string;
  readonly #url: URL;
  readonly #options: WebhookOptions;

  constructor(options: WebhookOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new ConfigError('url', options.url, 'not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('url', options.url, 'must be http: or https:');
    if (url.username || url.password) throw new ConfigError('url', `${url.protocol}//…@${url.host}`, 'credentials in the URL would be logged: use headers');
    this.#url = url;
    this.#options = options;
    this.target = `${url.origin}${url.pathname}`;
  }

  async send(events: readonly MtaEvent[], signal: AbortSignal): Promise<void> {
    const shape = this.#options.shapeRecord ?? ((r: LogRecord) => r);
    // The event's bytes as the journal encoded them (no string built or encoded per request).
    const body = (e: MtaEvent) => (this.#options.payload === 'record' ? Buffer.from(JSON.stringify(shape(e.record))) : eventBytes(e));
    if (this.#options.format === 'array') {
      await this.#post(arrayBody(events, body), events[0]?.event_id ?? '', signal);
    } else {
      for (const event of events) await this.#post(body(event), event.event_id, signal);
    }
  }

  #post(body: Buffer, idempotencyKey: string, signal: AbortSignal): Promise<void> {
    const now = Math.floor((this.#options.now ?? Date.now)() / 1000);
    const headers: Record<string, string> = {
      ...this.#options.headers,
      'content-type': 'application/json',
      'content-length': String(body.length),
      'idempotency-key': idempotencyKey,
      'user-agent': 'mtakit-events',
    };
    if (this.#options.secrets?.length) headers[SIGNATURE_HEADER] = signatureHeader(body, this.#options.secrets, now);
    const request = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(this.#url, { method: 'POST', headers, signal, timeout: this.#options.timeoutMs ?? 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new SinkError(`${this.target} answered ${status}`, { permanent: !(status === 408 || status === 429 || status >= 500) }));
        });
        res.on('error', (e) => reject(new SinkError(`${this.target}: ${e.message}`, { cause: e })));
      });
      req.on('timeout', () => req.destroy(new MtaKitError('E_CONNECTION', 'timed out')));
      req.on('error', (e) => reject(new SinkError(`${this.target}: ${e.message}`, { cause: e })));
      req.end(body);
    });
  }
}
