import { MtaKitError } from '../errors.js';
import { domainOf } from './address.js';
import { fieldValue, parseHeaderBlock, rebuild, renderField, sameName, type HeaderBlock } from './headers.js';
import { isMessageId, messageIdTime, newMessageId } from './id.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type MessageMeta = Record<string, JsonValue>;

export interface MessageInit {
  /** Defaults to a fresh sortable id. */
  id?: string;
  /** Envelope sender; `""` is the null reverse-path (bounces). */
  sender: string;
  recipient: string;
  meta?: MessageMeta;
  /** RFC 5322 bytes. May be absent for a message whose data lives only in the spool. */
  data?: Buffer;
  /** Delivery attempts already made. Default 0. */
  numAttempts?: number;
  /** When the next attempt is due (Unix ms); undefined = now. */
  due?: number | undefined;
}

/**
 * One message for one recipient: the unit that is spooled, queued, shaped and delivered.
 * Meta is free-form JSON; well-known keys follow KumoMTA (`tenant`, `campaign`, `queue`,
 * `routing_domain`, …). Header methods edit the data in place and never touch the body.
 */
export class Message {
  readonly id: string;
  sender: string;
  recipient: string;
  meta: MessageMeta;
  numAttempts: number;
  due: number | undefined;
  /** The message bytes, when current (header edits clear it until the next getData). */
  #data: Buffer | undefined;
  /** Parsed header fields (the truth once edited) and the body they precede. */
  #headers: HeaderBlock | undefined;
  #body: Buffer | undefined;

  constructor(init: MessageInit) {
    if (init.id !== undefined && !isMessageId(init.id)) {
      throw new MtaKitError('E_MESSAGE', `invalid message id ${JSON.stringify(init.id)}`);
    }
    this.id = init.id ?? newMessageId();
    this.sender = init.sender;
    this.recipient = init.recipient;
    this.meta = init.meta ?? {};
    this.numAttempts = init.numAttempts ?? 0;
    this.due = init.due;
    this.#data = init.data;
  }

  /** Creation time (Unix ms), encoded in the id. */
  get createdAt(): number {
    return messageIdTime(this.id);
  }

  /** Lowercased recipient domain. */
  get recipientDomain(): string {
    return domainOf(this.recipient);
  }

  getMeta(key: string): JsonValue | undefined {
    return this.meta[key];
  }

  setMeta(key: string, value: JsonValue | undefined): void {
    if (value === undefined) delete this.meta[key];
    else this.meta[key] = value;
  }

  /** Meta value as a string, or undefined when absent or not a non-empty string. */
  metaString(key: string): string | undefined {
    const v = this.meta[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  get hasData(): boolean {
    return this.#data !== undefined || this.#body !== undefined;
  }

  getData(): Buffer {
    if (this.#data) return this.#data;
    if (!this.#headers || !this.#body) throw new MtaKitError('E_MESSAGE', `message ${this.id} data is not loaded`);
    // Header edits are applied to the parsed fields and only turned back into bytes here, once.
    this.#data = rebuild(this.#headers, this.#body);
    return this.#data;
  }

  setData(data: Buffer): void {
    this.#data = data;
    this.#headers = undefined;
    this.#body = undefined;
  }

  /** Drops the data from memory (it stays in the spool). */
  shrink(): void {
    this.#data = undefined;
    this.#headers = undefined;
    this.#body = undefined;
  }

  get size(): number {
    return this.hasData ? this.getData().length : 0;
  }

  getFirstHeader(name: string): string | undefined {
    const field = this.#block().fields.find((f) => sameName(f.name, name));
    return field ? fieldValue(field) : undefined;
  }

  getAllHeaders(name: string): string[] {
    return this.#block().fields.filter((f) => sameName(f.name, name)).map(fieldValue);
  }

  /**
   * Every header as [name, value] pairs, in order; with `wanted`, only the fields whose name it
   * accepts (their values alone are decoded: a reader of a few headers skips the Received chain).
   */
  headers(wanted?: (name: string) => boolean): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const f of this.#block().fields) if (f.name !== '' && (wanted === undefined || wanted(f.name))) out.push([f.name, fieldValue(f)]);
    return out;
  }

  appendHeader(name: string, value: string): void {
    const block = this.#block();
    this.#edit([...block.fields, renderField(name, value, block.eol)]);
  }

  prependHeader(name: string, value: string): void {
    const data = this.#data;
    // Not parsed yet (the listener's Received on every message): the field goes in front of the
    // bytes as they are, one copy, instead of parsing the block and rendering all of it again.
    // Only for a CRLF first header line, where parsing would pick the same line ending.
    const firstLf = data && !this.#headers && data[0] !== 0x0d && data[0] !== 0x0a ? data.indexOf(0x0a) : -1;
    if (data && firstLf > 0 && data[firstLf - 1] === 0x0d) {
      this.#data = Buffer.concat([Buffer.from(renderField(name, value, '\r\n').raw, 'latin1'), data]);
      return;
    }
    const block = this.#block();
    this.#edit([renderField(name, value, block.eol), ...block.fields]);
  }

  /** Replaces every field of that name with one field (appended if none existed). */
  setHeader(name: string, value: string): void {
    const block = this.#block();
    const field = renderField(name, value, block.eol);
    const at = block.fields.findIndex((f) => sameName(f.name, name));
    const kept = block.fields.filter((f) => !sameName(f.name, name));
    if (at === -1) kept.push(field);
    else kept.splice(at, 0, field);
    this.#edit(kept);
  }

  removeAllHeaders(name: string): number {
    const fields = this.#block().fields;
    const kept = fields.filter((f) => !sameName(f.name, name));
    if (kept.length !== fields.length) this.#edit(kept);
    return fields.length - kept.length;
  }

  /**
   * Removes X- headers. With `names`, only those (matched case-insensitively) are removed; without,
   * every field whose name starts with `X-`.
   */
  removeXHeaders(names?: readonly string[]): number {
    const fields = this.#block().fields;
    const wanted = names?.map((n) => n.toLowerCase());
    const kept = fields.filter((f) => {
      const lower = f.name.toLowerCase();
      if (!lower.startsWith('x-')) return true;
      return wanted !== undefined && !wanted.includes(lower);
    });
    if (kept.length !== fields.length) this.#edit(kept);
    return fields.length - kept.length;
  }

  /**
   * Copies X- headers into meta: `X-Foo-Bar` becomes meta `x_foo_bar` (KumoMTA's naming).
   * With `names`, only those headers are imported.
   */
  importXHeaders(names?: readonly string[]): void {
    const wanted = names?.map((n) => n.toLowerCase());
    for (const f of this.#block().fields) {
      const lower = f.name.toLowerCase();
      if (!lower.startsWith('x-')) continue;
      if (wanted && !wanted.includes(lower)) continue;
      this.meta[lower.replace(/-/g, '_')] = fieldValue(f);
    }
  }

  #block(): HeaderBlock {
    if (!this.#headers) {
      const data = this.getData();
      this.#headers = parseHeaderBlock(data);
      this.#body = data.subarray(this.#headers.bodyStart);
    }
    return this.#headers;
  }

  #edit(fields: HeaderBlock['fields']): void {
    this.#headers = { ...this.#block(), fields };
    this.#data = undefined;
  }

}
