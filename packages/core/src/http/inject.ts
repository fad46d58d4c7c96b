import MailComposer from 'nodemailer/lib/mail-composer';
import type { PreSendHook } from '../contracts/presend.js';
import { MtaKitError } from '../errors.js';
import { parseAddress } from '../message/address.js';
import { Message, type JsonValue, type MessageMeta } from '../message/message.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { Policy } from '../policy/events.js';
import type { AcceptedMessage } from '../contracts/accepted.js';
import { ReceptionPipeline } from '../reception/pipeline.js';
import { HttpInputError, httpReply, type HttpListener, type HttpRequest } from './listener.js';

export interface InjectOptions {
  /** Stores the generated messages durably; the HTTP reply waits for it. */
  accept: (messages: AcceptedMessage[]) => Promise<void>;
  policy?: Policy;
  preSend?: PreSendHook;
  metrics?: MtaMetrics;
  /** Recipients per request. Default 10,000. */
  maxRecipients?: number;
}

/** One recipient of an injection request. */
export interface InjectRecipient {
  email: string;
  name?: string;
  substitutions?: Record<string, JsonValue>;
  /** Copied into the message's meta (e.g. tenant, campaign, your own keys). */
  metadata?: Record<string, JsonValue>;
}

/** The message content: a complete RFC 5322 message, or parts to build one from. */
export type InjectContent =
  | string
  | {
      from: { email: string; name?: string };
      reply_to?: { email: string; name?: string };
      subject?: string;
      text_body?: string;
      html_body?: string;
      headers?: Record<string, string>;
      attachments?: Array<{ data: string; base64?: boolean; content_type?: string; file_name?: string; content_id?: string }>;
    };

/** KumoMTA's `/api/inject/v1` request body. */
export interface InjectRequest {
  envelope_sender: string;
  content: InjectContent;
  recipients: InjectRecipient[];
  substitutions?: Record<string, JsonValue>;
  /** `Static` (no substitution) or `Simple` (default): `{{ name }}` placeholders. */
  template_dialect?: 'Static' | 'Simple';
  /** mtakit: first attempt no earlier than this (RFC 3339). */
  send_at?: string;
}

export interface InjectResponse {
  success_count: number;
  fail_count: number;
  failed_recipients: string[];
  errors: string[];
}

/**
 * `POST /api/inject/v1`: KumoMTA's HTTP injection API. Each recipient gets its own message
 * (content rendered with its substitutions), runs `http_message_generated` and the pre-send hook,
 * and the reply comes once every accepted message is durable. A recipient that fails validation,
 * policy or scoring is listed in `failed_recipients` and does not stop the others.
 *
 * Templating is deliberately small: `{{ name }}` placeholders (`email` and `name` by default,
 * then global substitutions, then the recipient's), HTML-escaped in `html_body`. Attachments carry their data
 * inline; nothing is ever read from a path or URL.
 */
export function registerInjectRoute(http: HttpListener, options: InjectOptions): void {
  const reception = new ReceptionPipeline({ accept: options.accept, preSend: options.preSend, metrics: options.metrics });
  http.route('POST', '/api/inject/v1', (request) => inject(request, options, reception));
}

/**
 * The variables of one recipient's template: `email` and `name` are defaults that the user's own
 * values replace — global substitutions, then the recipient's `name`, then its substitutions.
 */
function templateVariables(global: Record<string, JsonValue> | undefined, recipient: InjectRecipient): Record<string, JsonValue> {
  return {
    email: recipient.email,
    name: '',
    ...(global ?? {}),
    ...(recipient.name !== undefined ? { name: recipient.name } : {}),
    ...(recipient.substitutions ?? {}),
  };
}

async function inject(request: HttpRequest, options: InjectOptions, reception: ReceptionPipeline) {
  const body = validate(request.body, options.maxRecipients ?? 10_000);
  const auth = request.auth === 'trusted' ? undefined : request.auth;
  const accepted: AcceptedMessage[] = [];
  const response: InjectResponse = { success_count: 0, fail_count: 0, failed_recipients: [], errors: [] };
  for (const recipient of body.recipients) {
    try {
      parseAddress(recipient.email);
      const vars = templateVariables(body.substitutions, recipient);
      const meta: MessageMeta = {
        reception_protocol: 'HTTP', received_from: request.remoteAddress, ...(auth ? { http_auth: auth.identity } : {}),
        ...(auth?.tenant ? { tenant: auth.tenant } : {}), ...(recipient.metadata ?? {}), ...(body.send_at ? { send_at: body.send_at } : {}),
      };
      const data = await render(body.content, vars, body.template_dialect ?? 'Simple', recipient);
      const message = new Message({ sender: body.envelope_sender, recipient: recipient.email, meta, data });
      accepted.push(await reception.admit(message, 'HTTP', () => options.policy?.http_message_generated?.(message, auth)));
    } catch (error) {
      if (!(error instanceof MtaKitError)) throw error;
      response.fail_count++;
      response.failed_recipients.push(recipient.email);
      response.errors.push(`${recipient.email}: ${error.message}`);
    }
  }
  await reception.commit(accepted, 'http_listener');
  response.success_count = accepted.length;
  return httpReply({ status: accepted.length === 0 && response.fail_count > 0 ? 422 : 200, body: response });
}

function validate(input: unknown, maxRecipients: number): InjectRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpInputError('body', 'request body must be a JSON object');
  const body = input as Partial<InjectRequest>;
  if (typeof body.envelope_sender !== 'string') throw new HttpInputError('envelope_sender', 'envelope_sender is required (use "" for the null sender)');
  if (body.envelope_sender !== '') checkAddress('envelope_sender', body.envelope_sender);
  if (typeof body.content !== 'string' && (typeof body.content !== 'object' || body.content === null)) {
    throw new HttpInputError('content', 'content must be an RFC 5322 message string or a {from, subject, text_body, html_body, …} object');
  }
  if (typeof body.content === 'object') {
    if (typeof body.content.from?.email !== 'string') throw new HttpInputError('content.from.email', 'content.from.email is required');
    checkAddress('content.from.email', body.content.from.email);
  }
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) throw new HttpInputError('recipients', 'recipients must be a non-empty list');
  if (body.recipients.length > maxRecipients) throw new HttpInputError('recipients', `at most ${maxRecipients} recipients per request`);
  body.recipients.forEach((r, i) => {
    if (typeof r?.email !== 'string') throw new HttpInputError(`recipients[${i}].email`, `recipients[${i}].email is required`);
  });
  if (body.template_dialect !== undefined && body.template_dialect !== 'Static' && body.template_dialect !== 'Simple') {
    throw new HttpInputError('template_dialect', 'template_dialect must be "Static" or "Simple" (Jinja and Handlebars are not supported)');
  }
  if (body.send_at !== undefined && Number.isNaN(Date.parse(body.send_at))) throw new HttpInputError('send_at', 'send_at must be an RFC 3339 time');
  return body as InjectRequest;
}

function checkAddress(field: string, address: string): void {
  try {
    parseAddress(address);
  } catch (error) {
    throw new HttpInputError(field, (error as Error).message);
  }
}

async function render(content: InjectContent, vars: Record<string, JsonValue>, dialect: 'Static' | 'Simple', recipient: InjectRecipient): Promise<Buffer> {
  const fill = (text: string, escape: (s: string) => string = (s) => s) =>
    dialect === 'Static' ? text : text.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (_m, key: string) => escape(vars[key] === undefined || vars[key] === null ? '' : String(vars[key])));
  if (typeof content === 'string') return Buffer.from(fill(content).replace(/\r?\n/g, '\r\n'), 'utf8');
  const mail = new MailComposer({
    from: content.from.name ? { name: fill(content.from.name), address: content.from.email } : content.from.email,
    to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
    ...(content.reply_to ? { replyTo: content.reply_to.name ? { name: content.reply_to.name, address: content.reply_to.email } : content.reply_to.email } : {}),
    ...(content.subject !== undefined ? { subject: fill(content.subject) } : {}),
    ...(content.text_body !== undefined ? { text: fill(content.text_body) } : {}),
    ...(content.html_body !== undefined ? { html: fill(content.html_body, escapeHtml) } : {}),
    ...(content.headers ? { headers: Object.fromEntries(Object.entries(content.headers).map(([k, v]) => [k, fill(v)])) } : {}),
    attachments: (content.attachments ?? []).map((a) => ({
      content: Buffer.from(a.data, a.base64 ? 'base64' : 'utf8'),
      ...(a.content_type ? { contentType: a.content_type } : {}),
      ...(a.file_name ? { filename: a.file_name } : {}),
      ...(a.content_id ? { cid: a.content_id } : {}),
    })),
  });
  return mail.compile().build();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' } as Record<string, string>)[c]};`);
}
