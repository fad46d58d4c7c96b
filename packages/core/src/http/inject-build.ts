import MailComposer from 'nodemailer/lib/mail-composer';
import type { JsonValue, Message } from '../message/message.js';
import type { InjectBuilder, InjectMailbox, InjectRecipient, InjectRequest, TraceHeaders } from './inject-request.js';
import { compileTemplates, type CompiledTemplates } from './inject-template.js';

/** A request compiled once: what each recipient's message is made from. */
export interface InjectionPlan {
  /** The message bytes for one recipient. */
  build(recipient: InjectRecipient): Promise<Buffer>;
  dispose(): void;
}

/**
 * Compiles a request's templates (throws TemplateSyntaxError → 422) the way kumod does: a raw
 * message is one template; a builder's text, HTML and AMP bodies and its headers are templates,
 * with `from`, `reply_to` and `subject` turned into From, Reply-To and Subject headers first.
 * Attachments are never templated. A To header is made from the recipient unless `headers` has one.
 */
export function planInjection(request: InjectRequest): InjectionPlan {
  const content = request.content;
  const sources = new Map<string, string>();
  if (typeof content === 'string') sources.set('content', content);
  else {
    if (content.text_body == null && content.html_body == null) {
      throw new TemplateInputError('at least one of content.text_body and content.html_body must be given');
    }
    if (content.text_body != null) sources.set('text_body.txt', content.text_body);
    if (content.html_body != null) sources.set('html_body.html', content.html_body);
    if (content.amp_html_body != null) sources.set('amp_html_body.html', content.amp_html_body);
    for (const [name, value] of Object.entries(builderHeaders(content))) sources.set(`headers[${name}]`, value);
  }
  const templates = compileTemplates(request.template_dialect ?? 'Jinja', sources);
  return {
    build: async (recipient) => {
      const vars = templateVariables(request.substitutions, recipient);
      if (typeof content === 'string') return Buffer.from(templates.render('content', vars).replace(/\r?\n/g, '\r\n'), 'utf8');
      return composeBuilder(content, templates, vars, recipient);
    },
    dispose: () => templates.dispose(),
  };
}

/** A builder request missing what it needs (422, as kumod answers it). */
export class TemplateInputError extends Error {}

/**
 * The variables of one recipient's template: `email`, `name` and `to_header` are defaults that the
 * user's own values replace — global substitutions, then the recipient's `name`, then its substitutions.
 */
export function templateVariables(global: Record<string, JsonValue> | undefined, recipient: InjectRecipient): Record<string, JsonValue> {
  return {
    email: recipient.email,
    name: '',
    ...(global ?? {}),
    ...(recipient.name !== undefined ? { name: recipient.name } : {}),
    to_header: mailbox({ email: recipient.email, ...(recipient.name ? { name: recipient.name } : {}) }),
    ...(recipient.substitutions ?? {}),
  };
}

function builderHeaders(content: InjectBuilder): Record<string, string> {
  const headers: Record<string, string> = { ...(content.headers ?? {}) };
  if (content.from) headers['From'] = mailbox(content.from);
  if (content.reply_to) headers['Reply-To'] = mailbox(content.reply_to);
  if (content.subject != null) headers['Subject'] = content.subject;
  return headers;
}

async function composeBuilder(content: InjectBuilder, t: CompiledTemplates, vars: Record<string, JsonValue>, recipient: InjectRecipient): Promise<Buffer> {
  const rendered = Object.fromEntries(Object.keys(builderHeaders(content)).map((name) => [name, t.render(`headers[${name}]`, vars)]));
  const pick = (name: string) => {
    const key = Object.keys(rendered).find((k) => k.toLowerCase() === name);
    if (key === undefined) return undefined;
    const value = rendered[key];
    delete rendered[key];
    return value;
  };
  const from = pick('from');
  const replyTo = pick('reply-to');
  const subject = pick('subject');
  const to = pick('to') ?? mailbox({ email: recipient.email, ...(recipient.name ? { name: recipient.name } : {}) });
  const mail = new MailComposer({
    ...(from !== undefined ? { from } : {}), to, ...(replyTo !== undefined ? { replyTo } : {}), ...(subject !== undefined ? { subject } : {}),
    ...(content.text_body != null ? { text: t.render('text_body.txt', vars) } : {}),
    ...(content.html_body != null ? { html: t.render('html_body.html', vars) } : {}),
    ...(content.amp_html_body != null ? { amp: t.render('amp_html_body.html', vars) } : {}),
    headers: rendered,
    attachments: (content.attachments ?? []).map((a) => ({
      content: Buffer.from(a.data, a.base64 ? 'base64' : 'utf8'),
      ...(a.content_type ? { contentType: a.content_type } : {}),
      ...(a.file_name ? { filename: a.file_name } : {}),
      ...(a.content_id ? { cid: a.content_id } : {}),
    })),
  });
  return mail.compile().build();
}

/** `"Name" <email>` or `<email>`, as a header value. */
function mailbox(box: InjectMailbox): string {
  return box.name ? `"${box.name.replace(/["\\]/g, '\\$&')}" <${box.email}>` : `<${box.email}>`;
}

/**
 * KumoMTA's supplemental trace header (default `X-KumoRef`, on unless switched off): base64 of
 * `{"_@_":"\\_/","recipient":…}` plus the listed meta fields, so ARF reports can be matched back.
 * Added after `http_message_generated`, as kumod does, so the policy's meta counts.
 */
export function addSupplementalHeader(message: Message, trace: TraceHeaders | undefined): void {
  if (trace?.supplemental_header === false) return;
  const payload: Record<string, JsonValue> = { '_@_': '\\_/', recipient: message.recipient };
  for (const name of trace?.include_meta_names ?? []) {
    const value = message.meta[name];
    if (value !== undefined) payload[name] = value;
  }
  // Folded every 76 characters (base64 decoders skip the whitespace): a long payload must still fit SMTP's 998-byte lines.
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64');
  message.prependHeader(trace?.header_name ?? 'X-KumoRef', (encoded.match(/.{1,76}/g) ?? ['']).join('\r\n\t'));
}
