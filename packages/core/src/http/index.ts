/** @mtakit/core/http — the JSON HTTP listener for admin, injection and metrics endpoints. */
export { registerInjectRoute, type InjectOptions, type InjectResponse } from './inject.js';
export { validateInjectRequest, type InjectRequest, type InjectRecipient, type InjectContent, type InjectBuilder, type InjectMailbox, type TemplateDialect, type TraceHeaders } from './inject-request.js';
export { compileTemplates, TemplateSyntaxError, type CompiledTemplates } from './inject-template.js';
export { HttpListener, HttpInputError, httpReply, replyParts, type DispatchedRequest, type HttpListenerOptions, type HttpRequest, type HttpReply, type HttpHandler } from './listener.js';
export { basicUsers } from './basic-users.js';
export { registerNodeRoutes, UNSUPPORTED_ENDPOINTS, type NodeRoutesOptions } from './node-routes.js';
export { DiagnosticLogFilter, parseFilter, type FilterLevel } from './log-filter.js';
export type { MachineInfo } from './machine-info.js';
