import type { AddressInfo } from 'node:net';
import { type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { systemClock } from '../clock.js';
import { isReportDomain, type InboundReportReader } from '../contracts/inbound-report.js';
import type { AcceptedMessage } from '../contracts/accepted.js';
import type { PreSendHook } from '../contracts/presend.js';
import type { Cidr } from '../dns/cidr.js';
import { exhaustedResource } from '../errors.js';
import type { LogBus } from '../log/bus.js';
import { Message } from '../message/message.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { AuthInfo, ConnectionMeta, ListenerDomainInput, Policy } from '../policy/events.js';
import { ReceptionPipeline } from '../reception/pipeline.js';
import type { TlsKeyPair } from '../tls/certificate.js';
import { receivedHeaderValue } from './received-header.js';
import { syntaxCheck } from './address-check.js';
import { authenticate } from './auth.js';
import { collectData } from './data-collector.js';
import { greetPauseFor } from './greet-pause.js';
import { NetworkMatcher } from './network-matcher.js';
import { asReply, replyError } from './replies.js';
import { MtaSmtpServer, type RejectionReply } from './server.js';
import { rejectionRecord } from './rejection-record.js';
import { descriptorBudget, openFilesLimit, ResourceGuard, type DescriptorBudget, type ResourceRefusal } from './resource-guard.js';

export type { AcceptedMessage } from '../contracts/accepted.js';

export interface SmtpIngressOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port. Default 2525 (0 = any free port). */
  port?: number;
  /** Name in the banner, EHLO reply and Received header. */
  hostname: string;
  /** Certificate for STARTTLS (see `loadOrCreateCertificate`). */
  tls: TlsKeyPair;
  /** Stores the messages of one transaction durably; the 250 reply waits for it. */
  accept: (messages: AcceptedMessage[]) => Promise<void>;
  policy?: Policy;
  /** Pre-send risk check (stage 2). Reject verdicts refuse the transaction with 550 5.7.1. */
  preSend?: PreSendHook;
  /** username → { password, tenant }: per-tenant credentials (checked before the policy's hook). */
  credentials?: ReadonlyMap<string, { password: string; tenant?: string }>;
  /** Clients allowed to relay without AUTH. Default: loopback only. */
  relayNetworks?: readonly Cidr[];
  /** Largest message accepted (advertised as SIZE). Default 20 MiB. */
  maxMessageSize?: number;
  /** Recipients per transaction. Default 1024. */
  maxRecipients?: number;
  /**
   * Concurrent clients in total. Default 32768 (KumoMTA's `max_connections`), and never more than
   * the descriptor budget: RLIMIT_NOFILE less a quarter (at least 64) kept for the spool, logs and
   * egress. Clients over it get 421 4.3.2.
   */
  maxConnections?: number;
  /** Message bytes all open transactions may hold in memory together. Default 256 MiB; from 75 % of it new transactions get 421 4.3.2. */
  maxBytesInFlight?: number;
  /** Kernel accept queue length (listen backlog), for connection bursts. Default 4096 (capped by net.core.somaxconn). */
  listenBacklog?: number;
  /** Failed AUTH slows and then locks per client address and user name. Default: a limiter with its defaults; false = none. */
  authLimiter?: AuthFailureLimiter | false;
  /** Concurrent clients from one address. Default 100. */
  maxConnectionsPerIp?: number;
  /**
   * Greeting pause (early-talker check) in ms for clients outside `relayNetworks` and
   * `trustedNetworks`, who are greeted at once. Default 100 ms. The policy's
   * `smtp_server_greet_pause` may change it per client.
   */
  greetPauseMs?: number;
  /** Clients greeted without a pause, besides `relayNetworks` (they get no relay right from this). */
  trustedNetworks?: readonly Cidr[];
  /** Idle client timeout in ms. Default 60 s. */
  clientTimeoutMs?: number;
  /** Prepend a Received header to each message. Default true. */
  receivedHeader?: boolean;
  /** Listener name in logs and metrics (`received_via`). Default "host:port". */
  name?: string;
  log?: LogBus;
  metrics?: MtaMetrics;
  nodeId?: string;
  /**
   * Reads mail for report domains (`log_oob` / `log_arf`), e.g. `readInboundReport` from
   * `@mtakit/bounce`. Without it such a domain is refused at RCPT with 451 4.3.5, naming it.
   */
  reportReader?: InboundReportReader;
}

interface SessionState {
  conn: ConnectionMeta;
  auth: AuthInfo | undefined;
  failedAuths: number;
  /** Address of the MAIL/RCPT command being answered (named in a Rejection record). */
  pendingAddress: string | undefined;
  /** Recipients of this transaction whose domain reads bounces/feedback reports (see get_listener_domain); made when there is one. */
  reportRecipients: Map<string, ListenerDomainInput> | undefined;
}

type Callback = (err?: Error | null) => void;

/**
 * The SMTP listener, on smtp-server. Relays only for authenticated clients and configured networks,
 * splits each transaction into one message per recipient, runs the policy and pre-send hooks, and
 * replies 250 only after `accept` has made every message durable. Every 4xx/5xx reply carries an
 * exact enhanced status code and is counted and logged as a Rejection record.
 *
 * Mail for a domain whose `get_listener_domain` sets `log_oob` / `log_arf` is accepted from anyone
 * and read as a bounce or feedback report by `reportReader`: its OOB / Feedback records are
 * logged before the 250, and it is relayed only in `LogThenRelay` mode.
 */
export class SmtpIngress {
  readonly #options: SmtpIngressOptions;
  readonly #server: MtaSmtpServer;
  readonly #sessions = new Map<string, SessionState>();
  readonly #perIp = new Map<string, number>();
  readonly #relayNetworks: NetworkMatcher;
  readonly #guard: ResourceGuard;
  readonly #authLimiter: AuthFailureLimiter | undefined;
  readonly #reception: ReceptionPipeline;
  readonly #descriptors: DescriptorBudget | undefined;
  #name = '';
  /** The listener's connection counters, labelled once (at listen) instead of per session. */
  #connectionMetrics: { total: { inc(): void }; open: { inc(): void; dec(): void } } | undefined;

  constructor(options: SmtpIngressOptions) {
    this.#options = options;
    this.#relayNetworks = new NetworkMatcher(options.relayNetworks ?? []);
    this.#reception = new ReceptionPipeline({ accept: options.accept, preSend: options.preSend, metrics: options.metrics });
    this.#descriptors = descriptorBudget(openFilesLimit());
    const maxConnections = Math.min(options.maxConnections ?? 32_768, this.#descriptors?.connections ?? Infinity);
    this.#guard = new ResourceGuard({
      clock: systemClock, maxConnections, maxBytesInFlight: options.maxBytesInFlight ?? 256 * 1024 * 1024,
      onChange: (resource, exhausted) => process.stderr.write(`${new Date().toISOString()} mtakit: SMTP listener ${this.#name}: ${exhausted ? `${resource} exhausted, refusing with 4xx` : `${resource} available again`}\n`),
    });
    this.#authLimiter = options.authLimiter === false ? undefined : (options.authLimiter ?? new AuthFailureLimiter({ clock: systemClock }));
    const greet = { pauseMs: options.greetPauseMs ?? 100, trusted: new NetworkMatcher([...this.#relayNetworks.networks, ...(options.trustedNetworks ?? [])]), policy: options.policy, listener: () => this.#name };
    this.#server = new MtaSmtpServer({
      name: options.hostname,
      banner: 'mtakit ESMTP ready',
      size: options.maxMessageSize ?? 20 * 1024 * 1024,
      key: options.tls.key,
      cert: options.tls.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: true,
      allowInsecureAuth: false,
      disabledCommands: [],
      hideENHANCEDSTATUSCODES: false,
      hideDSN: true,
      hideREQUIRETLS: true,
      disableReverseLookup: true,
      maxClients: maxConnections,
      socketTimeout: options.clientTimeoutMs ?? 60_000,
      closeTimeout: 30_000,
      logger: false,
      onConnect: (session, cb) => this.#onConnect(session, cb),
      onClose: (session) => this.#onClose(session),
      onAuth: (auth, session, cb) => void this.#onAuth(auth, session, cb),
      onMailFrom: (address, session, cb) => void this.#onMailFrom(address, session, cb),
      onRcptTo: (address, session, cb) => void this.#onRcptTo(address, session, cb),
      onData: (stream, session, cb) => this.#onData(stream, session, cb),
      greetPause: (remoteAddress) => greetPauseFor(remoteAddress, greet),
      onRejection: (reply) => this.#onRejection(reply),
      ...(options.policy?.smtp_server_ehlo ? { onHelo: (domain: string, session: unknown) => this.#onHelo(domain, session as SMTPServerSession) } : {}),
      admitConnection: (open) => {
        const refusal = this.#guard.admitConnection(open);
        return refusal && this.#refusal(refusal).message;
      },
    });
    this.#server.on('error', () => undefined);
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.server.once('error', reject);
      this.#server.listen(this.#options.port ?? 2525, host, this.#options.listenBacklog ?? 4096, () => {
        this.#server.server.off('error', reject);
        resolve();
      });
    });
    if (this.#descriptors) this.#server.server.maxConnections = this.#descriptors.accepted;
    const address = this.#server.server.address() as AddressInfo;
    this.#name = this.#options.name ?? `${address.address}:${address.port}`;
    const metrics = this.#options.metrics;
    if (metrics) this.#connectionMetrics = { total: metrics.connectionsTotal.labels({ service: this.#service }), open: metrics.connections.labels({ service: this.#service }) };
    return address;
  }

  /** Stops accepting; waits for open sessions to finish (up to 30 s, then closes them). */
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  get #service(): string {
    return `esmtp_listener:${this.#name}`;
  }

  #onConnect(session: SMTPServerSession, cb: Callback): void {
    const ip = session.remoteAddress.replace(/^::ffff:/, '');
    const count = (this.#perIp.get(ip) ?? 0) + 1;
    this.#perIp.set(ip, count);
    this.#connectionMetrics?.total.inc();
    this.#connectionMetrics?.open.inc();
    const conn: ConnectionMeta = {
      reception_protocol: 'ESMTP',
      received_from: `${ip}:${session.remotePort}`,
      received_via: this.#name,
      hostname: this.#options.hostname,
    };
    this.#sessions.set(session.id, { conn, auth: undefined, failedAuths: 0, pendingAddress: undefined, reportRecipients: undefined });
    if (count > (this.#options.maxConnectionsPerIp ?? 100)) {
      this.#options.metrics?.connectionsDenied.inc({ service: this.#service });
      return cb(replyError(421, '4.7.0', 'Too many connections from your address, try again later'));
    }
    // Without the hook the greeting goes out in this turn (no promise per session).
    const hook = this.#options.policy?.smtp_server_connection_accepted;
    if (!hook) return cb();
    Promise.resolve().then(() => hook(conn)).then(() => cb(), (error: unknown) => {
      this.#options.metrics?.connectionsDenied.inc({ service: this.#service });
      cb(asReply(error, 421, '4.3.0'));
    });
  }

  #onClose(session: SMTPServerSession): void {
    if (!this.#sessions.delete(session.id)) return;
    this.#connectionMetrics?.open.dec();
    const ip = session.remoteAddress.replace(/^::ffff:/, '');
    const left = (this.#perIp.get(ip) ?? 1) - 1;
    if (left <= 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, left);
  }

  async #onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, cb: (err: Error | null | undefined, response?: { user: unknown }) => void): Promise<void> {
    const state = this.#state(session);
    const ip = session.remoteAddress.replace(/^::ffff:/, '');
    try {
      const options = { credentials: this.#options.credentials, policy: this.#options.policy, limiter: this.#authLimiter, metrics: this.#options.metrics };
      const info = await authenticate(auth.username ?? '', auth.password ?? '', ip, state.conn, state.failedAuths, options, this.#service);
      state.auth = info;
      state.conn['authn_id'] = info.identity;
      // Lets RCPT-time hooks (a suppression check, say) see the tenant the message will get.
      if (info.tenant) state.conn['tenant'] = info.tenant;
      cb(null, { user: info.identity });
    } catch (error) {
      state.failedAuths++;
      cb(asReply(error, 454, '4.7.0'));
    }
  }

  async #onHelo(domain: string, session: SMTPServerSession): Promise<void> {
    const conn = this.#state(session).conn;
    conn['ehlo_domain'] = domain;
    try {
      await this.#options.policy?.smtp_server_ehlo?.(domain, conn);
    } catch (error) {
      throw asReply(error, 550, '5.7.1');
    }
  }

  async #onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback): Promise<void> {
    const state = this.#state(session);
    state.pendingAddress = address.address;
    state.reportRecipients?.clear();
    const refusal = this.#guard.admitTransaction();
    if (refusal) return cb(this.#refusal(refusal));
    try {
      if (address.address !== '') syntaxCheck(address.address, '5.1.7', 'sender');
      state.conn['ehlo_domain'] = session.hostNameAppearsAs;
      const tls = (session as { tlsOptions?: { name?: string; version?: string } }).tlsOptions;
      if (session.secure && tls) {
        state.conn['tls_cipher'] = tls.name ?? null;
        state.conn['tls_protocol_version'] = tls.version ?? null;
      }
      await this.#options.policy?.smtp_server_mail_from?.(address.address, state.conn);
      state.pendingAddress = undefined;
      cb();
    } catch (error) {
      cb(asReply(error, 550, '5.7.1'));
    }
  }

  async #onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback): Promise<void> {
    const state = this.#state(session);
    state.pendingAddress = address.address;
    try {
      syntaxCheck(address.address, '5.1.3', 'recipient');
      if (session.envelope.rcptTo.length >= (this.#options.maxRecipients ?? 1024)) {
        throw replyError(452, '4.5.3', 'Too many recipients');
      }
      const domain = await this.#listenerDomain(address.address, state);
      if (domain && isReportDomain(domain)) {
        if (!this.#options.reportReader) throw replyError(451, '4.3.5', `Reports for ${address.address.slice(address.address.lastIndexOf('@') + 1)} cannot be read: this listener has no report reader`);
        (state.reportRecipients ??= new Map()).set(address.address, domain);
      }
      else if (!(state.auth || this.#relayNetworks.contains(session.remoteAddress) || domain?.relay_to)) {
        throw replyError(550, '5.7.1', 'Relaying denied: authenticate or send from an allowed network');
      }
      await this.#options.policy?.smtp_server_rcpt_to?.(address.address, state.conn);
      state.pendingAddress = undefined;
      cb();
    } catch (error) {
      cb(asReply(error, 550, '5.7.1'));
    }
  }

  /** The policy's view of the recipient's domain; asked for every recipient, so report domains win over relaying. */
  async #listenerDomain(recipient: string, state: SessionState): Promise<ListenerDomainInput | undefined> {
    const hook = this.#options.policy?.get_listener_domain;
    return hook ? hook(recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase(), this.#name, state.conn) : undefined;
  }

  #onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void): void {
    collectData(stream, this.#server.options.size ?? Infinity, this.#guard).then(async (got) => {
      try {
        if (got.tooBig || stream.sizeExceeded) return cb(replyError(552, '5.3.4', 'Message size exceeds the fixed maximum message size'));
        if (!got.data) return cb(this.#refusal(this.#guard.shed()));
        const ids = await this.#receive(got.data, session);
        this.#guard.stored();
        cb(null, ids.length > 0 ? `2.0.0 OK queued as ${ids.join(' ')}` : '2.0.0 OK report received');
      } catch (error) {
        const resource = exhaustedResource(error);
        cb(resource ? this.#refusal(this.#guard.exhausted(resource)) : asReply(error, 451, '4.3.0'));
      } finally {
        this.#guard.release(got.reserved);
      }
    }, (error: unknown) => cb(asReply(error, 451, '4.3.0')));
  }

  /** A resource refusal as a reply, counted by resource. */
  #refusal(refusal: ResourceRefusal): Error {
    this.#options.metrics?.resourceRefusals.inc({ service: this.#service, resource: refusal.resource });
    return replyError(refusal.code, refusal.enhanced, refusal.text);
  }

  async #receive(data: Buffer, session: SMTPServerSession): Promise<string[]> {
    const state = this.#state(session);
    const from = session.envelope.mailFrom;
    const sender = from ? from.address : '';
    const now = new Date();
    const accepted: AcceptedMessage[] = [];
    // Like Postfix: a single-recipient transaction's trace header names its recipient and message;
    // a multi-recipient one names neither, so its copies stay byte-identical and can be relayed
    // together (max_recipients_per_batch).
    const single = session.envelope.rcptTo.length === 1;
    let transactionId: string | undefined;
    for (const rcpt of session.envelope.rcptTo) {
      const reportDomain = state.reportRecipients?.get(rcpt.address);
      const reader = this.#options.reportReader;
      if (reportDomain && reader && !(await this.#logReport(reader, data, sender, rcpt.address, reportDomain, session))) continue;
      const message = new Message({ sender, recipient: rcpt.address, meta: { ...state.conn }, data });
      if (state.auth?.tenant) message.setMeta('tenant', state.auth.tenant);
      if (this.#options.receivedHeader !== false) {
        transactionId ??= message.id;
        message.prependHeader('Received', receivedHeaderValue({
          ehlo: session.hostNameAppearsAs, remoteAddress: session.remoteAddress.replace(/^::ffff:/, ''), hostname: this.#options.hostname,
          id: transactionId, recipient: single ? rcpt.address : undefined, secure: session.secure, authenticated: Boolean(state.auth), date: now,
        }));
      }
      accepted.push(await this.#reception.admit(message, 'ESMTP', () => this.#options.policy?.smtp_server_message_received?.(message, state.conn)));
    }
    await this.#reception.commit(accepted, this.#service);
    return accepted.map((a) => a.message.id);
  }

  /** Logs what a report says (before the 250); true when the message must be relayed as well. */
  async #logReport(read: InboundReportReader, data: Buffer, sender: string, recipient: string, domain: ListenerDomainInput, session: SMTPServerSession): Promise<boolean> {
    const outcome = await read(data, domain, { sender, recipient, nodeId: this.#options.nodeId ?? '', sessionId: session.id });
    for (const record of outcome.records) await this.#options.log?.publish(record);
    this.#options.metrics?.received.inc({ service: this.#service });
    return outcome.relay;
  }

  #onRejection(reply: RejectionReply): void {
    this.#options.metrics?.rejections.inc({ service: this.#service, code: String(reply.code) });
    const log = this.#options.log;
    if (!log) return;
    const session = reply.session as SMTPServerSession | undefined;
    const state = session ? this.#sessions.get(session.id) : undefined;
    const sender = session?.envelope?.mailFrom ? session.envelope.mailFrom.address : (state?.pendingAddress ?? '');
    const recipients = session?.envelope?.mailFrom && state?.pendingAddress !== undefined ? [state.pendingAddress] : (session?.envelope?.rcptTo?.map((r) => r.address) ?? []);
    if (state) state.pendingAddress = undefined;
    void log.publish(rejectionRecord({
      code: reply.code, text: reply.text, sender, recipients, remoteAddress: reply.remoteAddress,
      listener: this.#name, sessionId: session?.id ?? null, nodeId: this.#options.nodeId ?? '',
    })).catch(() => undefined);
  }

  #state(session: SMTPServerSession): SessionState {
    let state = this.#sessions.get(session.id);
    if (!state) {
      state = { conn: { reception_protocol: 'ESMTP', received_via: this.#name }, auth: undefined, failedAuths: 0, pendingAddress: undefined, reportRecipients: undefined };
      this.#sessions.set(session.id, state);
    }
    return state;
  }
}
