/** @mtakit/core/http — the JSON HTTP listener for admin, injection and metrics endpoints. */
export { registerInjectRoute, type InjectOptions, type InjectRequest, type InjectRecipient, type InjectContent, type InjectResponse } from './inject.js';
export { HttpListener, HttpInputError, httpReply, type HttpListenerOptions, type HttpRequest, type HttpReply, type HttpHandler } from './listener.js';
export { basicUsers } from './basic-users.js';
