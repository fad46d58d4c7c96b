/** @mtakit/core/http — the JSON HTTP listener for admin, injection and metrics endpoints. */
export { HttpListener, HttpInputError, httpReply, type HttpListenerOptions, type HttpRequest, type HttpReply, type HttpHandler } from './listener.js';
