import { parseAddress } from '../message/address.js';
import type { JsonValue } from '../message/message.js';
import { HttpInputError } from './listener.js';

/** One recipient of an injection request. */
export interface InjectRecipient {
  email: string;
  name?: string;
  substitutions?: Record<string, JsonValue>;
  /** Stored on the message under the `extra` meta key (KumoMTA's per-recipient metadata). */
  metadata?: Record<string, JsonValue>;
}

export interface InjectMailbox {
  email: string;
  name?: string;
}

/** The message built from parts: every field optional but a body (text or HTML). */
export interface InjectBuilder {
  from?: InjectMailbox;
  reply_to?: InjectMailbox;
  subject?: string;
  text_body?: string;
  html_body?: string;
  /** A `text/x-amp-html` part. */
  amp_html_body?: string;
  headers?: Record<string, string>;
  attachments?: Array<{ data: string; base64?: boolean; content_type?: string; file_name?: string; content_id?: string }>;
}

/** The message content: a complete RFC 5322 message, or parts to build one from. */
export type InjectContent = string | InjectBuilder;

/**
 * `Jinja` (KumoMTA's default: MiniJinja), `Handlebars`, `Static` (no expansion); mtakit's older
 * `Simple` is Jinja (its `{{ name }}` placeholders are Jinja).
 */
export type TemplateDialect = 'Jinja' | 'Handlebars' | 'Static' | 'Simple';

/** KumoMTA's supplemental trace header (`X-KumoRef`) and Received header switches. */
export interface TraceHeaders {
  received_header?: boolean;
  supplemental_header?: boolean;
  header_name?: string;
  include_meta_names?: string[];
}

/** KumoMTA's `/api/inject/v1` request body. */
export interface InjectRequest {
  envelope_sender: string;
  content: InjectContent;
  recipients: InjectRecipient[];
  substitutions?: Record<string, JsonValue>;
  template_dialect?: TemplateDialect;
  /** Answer at once (success_count 0) and generate the messages after the reply. */
  deferred_generation?: boolean;
  trace_headers?: TraceHeaders;
  /** mtakit: first attempt no earlier than this (RFC 3339). */
  send_at?: string;
}

const DIALECTS: readonly TemplateDialect[] = ['Jinja', 'Handlebars', 'Static', 'Simple'];

/**
 * Checks an injection request's shape, naming the field at fault (400). Template syntax is checked
 * when the templates are compiled (422), recipients' addresses per recipient.
 */
export function validateInjectRequest(input: unknown, maxRecipients: number): InjectRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpInputError('body', 'request body must be a JSON object');
  const body = input as Partial<InjectRequest>;
  if (typeof body.envelope_sender !== 'string') throw new HttpInputError('envelope_sender', 'envelope_sender is required (use "" for the null sender)');
  if (body.envelope_sender !== '') checkAddress('envelope_sender', body.envelope_sender);
  if (typeof body.content !== 'string' && (typeof body.content !== 'object' || body.content === null || Array.isArray(body.content))) {
    throw new HttpInputError('content', 'content must be an RFC 5322 message string or a {from, subject, text_body, html_body, …} object');
  }
  if (typeof body.content === 'object') {
    for (const field of ['from', 'reply_to'] as const) {
      const box = body.content[field];
      if (box === undefined || box === null) continue;
      if (typeof box.email !== 'string') throw new HttpInputError(`content.${field}.email`, `content.${field}.email is required when content.${field} is given`);
      checkAddress(`content.${field}.email`, box.email);
    }
  }
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) throw new HttpInputError('recipients', 'recipients must be a non-empty list');
  if (body.recipients.length > maxRecipients) throw new HttpInputError('recipients', `at most ${maxRecipients} recipients per request`);
  body.recipients.forEach((r, i) => {
    if (typeof r?.email !== 'string') throw new HttpInputError(`recipients[${i}].email`, `recipients[${i}].email is required`);
    if (r.metadata !== undefined && (typeof r.metadata !== 'object' || r.metadata === null || Array.isArray(r.metadata))) {
      throw new HttpInputError(`recipients[${i}].metadata`, `recipients[${i}].metadata must be an object`);
    }
  });
  if (body.template_dialect !== undefined && !DIALECTS.includes(body.template_dialect)) {
    throw new HttpInputError('template_dialect', `template_dialect must be one of ${DIALECTS.join(', ')}`);
  }
  if (body.deferred_generation !== undefined && typeof body.deferred_generation !== 'boolean') throw new HttpInputError('deferred_generation', 'deferred_generation must be true or false');
  if (body.send_at !== undefined && Number.isNaN(Date.parse(body.send_at))) throw new HttpInputError('send_at', 'send_at must be an RFC 3339 time');
  if (body.trace_headers?.received_header === true) {
    throw new HttpInputError('trace_headers.received_header', 'trace_headers.received_header is refused: add a Received header in http_message_generated (msg:prepend_header)');
  }
  if ((body as { deferred_spool?: unknown }).deferred_spool === true) {
    throw new HttpInputError('deferred_spool', 'deferred_spool is refused: mtakit stores every message before it answers (leave it out or false)');
  }
  return body as InjectRequest;
}

function checkAddress(field: string, address: string): void {
  try {
    parseAddress(address);
  } catch (error) {
    throw new HttpInputError(field, (error as Error).message);
  }
}
