import type { PreSendHook } from '../contracts/presend.js';
import { MtaKitError } from '../errors.js';
import { parseAddress } from '../message/address.js';
import { Message, type MessageMeta } from '../message/message.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { Policy } from '../policy/events.js';
import type { AcceptedMessage } from '../contracts/accepted.js';
import { ReceptionPipeline } from '../reception/pipeline.js';
import type { Logger } from '../contracts/logger.js';
import { addSupplementalHeader, planInjection, TemplateInputError, type InjectionPlan } from './inject-build.js';
import { validateInjectRequest, type InjectRequest } from './inject-request.js';
import { TemplateSyntaxError } from './inject-template.js';
import { httpReply, type HttpListener, type HttpRequest } from './listener.js';

export interface InjectOptions {
  /** Stores the generated messages durably; the HTTP reply waits for it. */
  accept: (messages: AcceptedMessage[]) => Promise<void>;
  policy?: Policy;
  preSend?: PreSendHook;
  metrics?: MtaMetrics;
  /** Recipients per request. Default 10,000. */
  maxRecipients?: number;
  /** Where a `deferred_generation` request's failures are reported (its reply came before them). */
  logger?: Logger;
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
 * Templates are KumoMTA's (see inject-build.ts): Jinja by default (MiniJinja), Handlebars or Static;
 * a template that does not parse answers 422. `deferred_generation` answers once the templates
 * compile and generates afterwards. Per-recipient `metadata` goes under the `extra` meta key, and
 * each message gets the `X-KumoRef` trace header. Attachments carry their data inline; nothing is
 * ever read from a path or URL.
 */
export function registerInjectRoute(http: HttpListener, options: InjectOptions): void {
  const reception = new ReceptionPipeline({ accept: options.accept, preSend: options.preSend, metrics: options.metrics });
  http.route('POST', '/api/inject/v1', (request) => inject(request, options, reception));
}

async function inject(request: HttpRequest, options: InjectOptions, reception: ReceptionPipeline) {
  const body = validateInjectRequest(request.body, options.maxRecipients ?? 10_000);
  let plan: InjectionPlan;
  try {
    plan = planInjection(body);
  } catch (error) {
    if (error instanceof TemplateSyntaxError || error instanceof TemplateInputError) return httpReply({ status: 422, body: { error: error.message } });
    throw error;
  }
  if (body.deferred_generation) {
    void generate(request, body, plan, options, reception).then(
      (r) => r.fail_count > 0 && options.logger?.('warn', `deferred injection: ${r.fail_count} of ${body.recipients.length} recipients failed: ${r.errors.slice(0, 3).join('; ')}`),
      (error: Error) => options.logger?.('error', `deferred injection failed: ${error.message}`),
    );
    return { success_count: 0, fail_count: 0, failed_recipients: [], errors: [] } satisfies InjectResponse;
  }
  const response = await generate(request, body, plan, options, reception);
  return httpReply({ status: response.success_count === 0 && response.fail_count > 0 ? 422 : 200, body: response });
}

/** One message per recipient through the reception pipeline; the template engine is freed after. */
async function generate(request: HttpRequest, body: InjectRequest, plan: InjectionPlan, options: InjectOptions, reception: ReceptionPipeline): Promise<InjectResponse> {
  const auth = request.auth === 'trusted' ? undefined : request.auth;
  const accepted: AcceptedMessage[] = [];
  const response: InjectResponse = { success_count: 0, fail_count: 0, failed_recipients: [], errors: [] };
  try {
    for (const recipient of body.recipients) {
      try {
        parseAddress(recipient.email);
        const meta: MessageMeta = {
          reception_protocol: 'HTTP', received_from: request.remoteAddress, ...(auth ? { http_auth: auth.identity } : {}),
          ...(auth?.tenant ? { tenant: auth.tenant } : {}), ...(recipient.metadata && Object.keys(recipient.metadata).length > 0 ? { extra: recipient.metadata } : {}),
          ...(body.send_at ? { send_at: body.send_at } : {}),
        };
        const message = new Message({ sender: body.envelope_sender, recipient: recipient.email, meta, data: await plan.build(recipient) });
        accepted.push(await reception.admit(message, 'HTTP', async () => {
          await options.policy?.http_message_generated?.(message, auth);
          addSupplementalHeader(message, body.trace_headers);
        }));
      } catch (error) {
        if (!(error instanceof MtaKitError)) throw error;
        response.fail_count++;
        response.failed_recipients.push(recipient.email);
        response.errors.push(`${recipient.email}: ${error.message}`);
      }
    }
  } finally {
    plan.dispose();
  }
  await reception.commit(accepted, 'http_listener');
  response.success_count = accepted.length;
  return response;
}
