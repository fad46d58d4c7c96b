import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { systemClock } from '../clock.js';
import { cidrContains, type Cidr } from '../dns/cidr.js';
import { ConfigError, MtaKitError } from '../errors.js';
import type { AuthInfo } from '../policy/events.js';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** Who is calling: `trusted` for trusted hosts, else the authenticated identity. */
  auth: AuthInfo | 'trusted';
  remoteAddress: string;
}

const REPLY = Symbol('mtakit.httpReply');

export interface HttpReply {
  readonly [REPLY]: true;
  status?: number;
  body?: unknown;
  /** Raw text body with its content type (e.g. Prometheus metrics). */
  text?: { contentType: string; content: string };
  /**
   * A body written piece by piece as it is produced (NDJSON query results, Server-Sent Events),
   * with back-pressure; the iterator is ended (`return()`) when the client goes away.
   */
  stream?: { contentType: string; body: AsyncIterable<string> };
}

/** A reply with a status code or a non-JSON body; handlers may also return plain data (200 JSON). */
export function httpReply(reply: Omit<HttpReply, typeof REPLY>): HttpReply {
  return { [REPLY]: true, ...reply };
}

/** A handler's answer as status and JSON body; undefined for text and stream replies. */
export function replyParts(reply: unknown): { status: number; body: unknown } | undefined {
  if (!isReply(reply)) return { status: 200, body: reply ?? {} };
  if (reply.stream || reply.text) return undefined;
  return { status: reply.status ?? 200, body: reply.body ?? {} };
}

/** What a handler returns: plain data (sent as 200 JSON) or an `httpReply(…)`. */
export type HttpHandler = (request: HttpRequest) => unknown;

export interface HttpListenerOptions {
  host?: string;
  /** Default 8025; 0 = any free port. */
  port?: number;
  /** Clients that need no credentials (KumoMTA's `trusted_hosts`). Default: loopback. */
  trustedHosts: readonly Cidr[];
  /** HTTP Basic authentication for everyone else; no validator = only trusted hosts get in. */
  validateBasic?: (user: string, password: string) => Promise<boolean | AuthInfo | undefined> | boolean | AuthInfo | undefined;
  /** Largest accepted request body. Default 10 MiB. */
  bodyLimit?: number;
  /**
   * Slows and then locks wrong Basic credentials per client address and user name (share one with
   * the SMTP listener so guesses on either count together). Locked clients get 429 with Retry-After.
   * Default: a limiter with its defaults; false = none.
   */
  authLimiter?: AuthFailureLimiter | false;
  /** Told of each failed Basic authentication (`locked`: refused while locked out) and each new lockout. */
  onAuthFailure?: (event: { remoteAddress: string; user: string; locked: boolean; lockedNow: string[] }) => void;
  /**
   * Runs around every authenticated route handler (`run` calls it): e.g. to make an answer
   * node-wide across workers (`nodeWideRoutes`).
   */
  around?: (request: HttpRequest, run: () => Promise<unknown>) => Promise<unknown>;
}

/** A request handed to `dispatch` by another process of the node (already authenticated there). */
export interface DispatchedRequest {
  method: string;
  path: string;
  /** The query string, without `?`. */
  query: string;
  body: unknown;
}

/** Thrown by #authenticate while a client or user is locked out. */
class LockedOut extends MtaKitError {
  constructor(readonly retryAfterMs: number) {
    super('E_CONFIG', 'too many failed authentication attempts, try again later');
  }
}

/**
 * A small JSON HTTP listener for the admin, injection and metrics endpoints. Routes are exact
 * paths; every route needs a trusted client or valid Basic credentials unless declared public.
 * Errors become JSON `{ error, code, key? }` with 400 for bad input, 404, 401, 500.
 */
export class HttpListener {
  readonly #server: Server;
  readonly #routes = new Map<string, { handler: HttpHandler; public: boolean }>();
  readonly #options: HttpListenerOptions;
  readonly #limiter: AuthFailureLimiter | undefined;

  constructor(options: HttpListenerOptions) {
    this.#options = options;
    this.#limiter = options.authLimiter === false ? undefined : (options.authLimiter ?? new AuthFailureLimiter({ clock: systemClock }));
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  route(method: string, path: string, handler: HttpHandler, options: { public?: boolean } = {}): this {
    this.#routes.set(`${method.toUpperCase()} ${path}`, { handler, public: options.public ?? false });
    return this;
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 8025, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /**
   * Runs a route for another worker of the node, which authenticated the client: no
   * authentication here and no `around`, so a request is never passed on twice.
   */
  async dispatch(request: DispatchedRequest): Promise<{ status: number; body: unknown }> {
    const route = this.#routes.get(`${request.method} ${request.path}`);
    if (!route) return { status: 404, body: { error: `no such endpoint: ${request.path}` } };
    try {
      const reply = await route.handler({ ...request, query: new URLSearchParams(request.query), auth: 'trusted', remoteAddress: 'peer' });
      return replyParts(reply) ?? { status: 501, body: { error: `${request.path} answers with a stream or text, not JSON` } };
    } catch (error) {
      const { status, body } = errorReply(error);
      return { status, body };
    }
  }

  close(): Promise<void> {
    this.#server.closeAllConnections?.();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.#routes.get(`${req.method} ${url.pathname}`);
    try {
      if (!route) {
        const other = [...this.#routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
        return send(res, other ? 405 : 404, { error: other ? `method ${req.method} not allowed on ${url.pathname}` : `no such endpoint: ${url.pathname}` });
      }
      const remoteAddress = req.socket.remoteAddress ?? '';
      const auth = await this.#authenticate(req, remoteAddress).catch((error: unknown) => {
        if (!(error instanceof LockedOut)) throw error;
        res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
        return 'locked' as const;
      });
      if (auth === 'locked') return send(res, 429, { error: 'too many failed authentication attempts, try again later' });
      if (!auth && !route.public) {
        res.setHeader('WWW-Authenticate', 'Basic realm="mtakit"');
        return send(res, 401, { error: 'authentication required' });
      }
      const body = await readBody(req, this.#options.bodyLimit ?? 10 * 1024 * 1024);
      const request: HttpRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, auth: auth ?? 'trusted', remoteAddress };
      const run = async () => route.handler(request);
      const reply = await (this.#options.around ? this.#options.around(request, run) : run());
      if (isReply(reply)) {
        if (reply.stream) return await streamReply(res, reply.status ?? 200, reply.stream);
        if (reply.text) {
          res.writeHead(reply.status ?? 200, { 'content-type': reply.text.contentType });
          res.end(reply.text.content);
          return;
        }
        return send(res, reply.status ?? 200, reply.body ?? {});
      }
      return send(res, 200, reply ?? {});
    } catch (error) {
      return sendError(res, error);
    }
  }

  async #authenticate(req: IncomingMessage, remoteAddress: string): Promise<AuthInfo | 'trusted' | undefined> {
    const header = req.headers.authorization;
    // Credentials, when given, are checked even from a trusted host: wrong ones get 401 (as kumod does).
    if (!header?.startsWith('Basic ') || !this.#options.validateBasic) return cidrContains(this.#options.trustedHosts, remoteAddress) ? 'trusted' : undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const limiter = this.#limiter;
    const onAuthFailure = this.#options.onAuthFailure;
    const keys = [`ip:${remoteAddress.replace(/^::ffff:/, '')}`, `user:${user.toLowerCase()}`];
    const lock = limiter?.check(keys);
    if (lock?.retryAfterMs !== undefined) {
      onAuthFailure?.({ remoteAddress, user, locked: true, lockedNow: [] });
      throw new LockedOut(lock.retryAfterMs);
    }
    const result = await this.#options.validateBasic(user, decoded.slice(colon + 1));
    if (result) {
      limiter?.success(keys);
      return result === true ? { identity: user } : result;
    }
    const verdict = limiter?.failure(keys);
    onAuthFailure?.({ remoteAddress, user, locked: false, lockedNow: verdict?.lockedNow ?? [] });
    if (verdict && verdict.delayMs > 0) await sleep(verdict.delayMs);
    return undefined;
  }
}

async function streamReply(res: ServerResponse, status: number, stream: NonNullable<HttpReply['stream']>): Promise<void> {
  res.writeHead(status, { 'content-type': stream.contentType, 'cache-control': 'no-store' });
  const iterator = stream.body[Symbol.asyncIterator]();
  const gone = new Promise<'gone'>((resolve) => res.once('close', () => resolve('gone')));
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), gone]);
      if (next === 'gone' || next.done) break;
      if (!res.write(next.value)) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
    }
    res.end();
  } catch (error) {
    // The status line is gone already: cut the response so the client sees it incomplete.
    res.destroy(error as Error);
  } finally {
    await iterator.return?.();
  }
}

/** A client error (400) naming the offending field. */
export class HttpInputError extends MtaKitError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('E_CONFIG', message);
  }
}

/** A request body over the listener's limit (413, as kumod answers). */
export class HttpTooLargeError extends HttpInputError {
  constructor(message: string) {
    super('body', message);
  }
}

function isReply(value: unknown): value is HttpReply {
  return typeof value === 'object' && value !== null && REPLY in value;
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpTooLargeError(`request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const raw = decodeBody(Buffer.concat(chunks), req.headers['content-encoding'], limit);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpInputError('body', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

const DECODERS: Record<string, (data: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync, 'x-gzip': gunzipSync, deflate: inflateSync, br: brotliDecompressSync,
};

/** A compressed body (`Content-Encoding: gzip`, as kumod accepts), held to the same size limit once decoded. */
function decodeBody(data: Buffer, encoding: string | undefined, limit: number): Buffer {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return data;
  const decode = DECODERS[name];
  if (!decode) throw new HttpInputError('content-encoding', `Content-Encoding ${name} is not supported (use gzip, deflate or br)`);
  try {
    return decode(data, { maxOutputLength: limit });
  } catch (error) {
    const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    if (tooLarge) throw new HttpTooLargeError(`request body exceeds ${limit} bytes once decompressed`);
    throw new HttpInputError('body', `request body is not valid ${name}: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  const { status, body } = errorReply(error);
  send(res, status, body);
}

/** An error as the status and JSON body the client gets. */
function errorReply(error: unknown): { status: number; body: Record<string, unknown> } {
  if (error instanceof HttpTooLargeError) return { status: 413, body: { error: error.message, code: error.code, field: error.field } };
  if (error instanceof HttpInputError) return { status: 400, body: { error: error.message, code: error.code, field: error.field } };
  if (error instanceof ConfigError) return { status: 400, body: { error: error.message, code: error.code, field: error.key } };
  if (error instanceof MtaKitError) {
    const status = error.code === 'E_NOT_FOUND' ? 404 : error.code === 'E_CONFIG' || error.code === 'E_ADDRESS' || error.code === 'E_DURATION' || error.code === 'E_RATE' ? 400 : 500;
    return { status, body: { error: error.message, code: error.code } };
  }
  return { status: 500, body: { error: 'internal error', code: 'E_INTERNAL' } };
}
