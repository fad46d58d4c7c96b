import type { EgressPathConfig, EgressSource, Message } from '@mtakit/core';
import { parseCidr, type MxResolver } from '@mtakit/core/dns';
import { connectToAny, SessionError, type PlannedHost, type SmtpSession } from '@mtakit/core/egress';
import { ChannelError, type AttemptResult, type DeliveryChannel, type Transport } from './channel.js';

export interface SmtpTransportOptions {
  hosts: readonly PlannedHost[];
  /** Fixed routes (`mx_list`) are trusted: prohibited_hosts does not apply to them. */
  fixedRoute: boolean;
  path: EgressPathConfig;
  source: EgressSource;
  resolver: MxResolver;
  /** EHLO name when neither path nor source names one. */
  defaultEhlo: string;
}

/** SMTP delivery over `@mtakit/core/egress`, from the egress source's address, with the path's settings. */
export class SmtpTransport implements Transport {
  readonly #options: SmtpTransportOptions;
  readonly #prohibited;
  readonly #skip;

  constructor(options: SmtpTransportOptions) {
    this.#options = options;
    this.#prohibited = options.fixedRoute ? [] : options.path.prohibited_hosts.map((c, i) => parseCidr(c, `prohibited_hosts[${i}]`));
    this.#skip = options.path.skip_hosts.map((c, i) => parseCidr(c, `skip_hosts[${i}]`));
  }

  async open(): Promise<DeliveryChannel> {
    const { path, source } = this.#options;
    try {
      const session = await connectToAny(this.#options.hosts, {
        ehloName: path.ehlo_domain ?? source.ehlo_domain ?? this.#options.defaultEhlo,
        localAddress: source.source_address,
        tls: path.enable_tls,
        tlsReconnect: path.opportunistic_tls_reconnect_on_failed_handshake,
        rememberBrokenTlsMs: path.remember_broken_tls,
        timeouts: path.timeouts,
        rset: path.enable_rset,
        pipelining: path.enable_pipelining,
        auth: path.smtp_auth_plain_username && path.smtp_auth_plain_password
          ? { user: path.smtp_auth_plain_username, pass: path.smtp_auth_plain_password, allowWithoutTls: path.allow_smtp_auth_plain_without_tls }
          : undefined,
        port: path.smtp_port,
        forcePort: source.remote_port,
        resolver: this.#options.resolver,
        ipLookup: path.ip_lookup_strategy,
        prohibited: this.#prohibited,
        skip: this.#skip,
      });
      return new SmtpChannel(session);
    } catch (error) {
      if (error instanceof SessionError) throw new ChannelError(error.message, error.response, error.transcript, { cause: error });
      throw error;
    }
  }
}

class SmtpChannel implements DeliveryChannel {
  readonly protocol = 'ESMTP' as const;

  constructor(readonly session: SmtpSession) {}

  get peer() {
    return this.session.peer;
  }

  get tls() {
    return this.session.tls;
  }

  get usable(): boolean {
    return this.session.usable;
  }

  async deliver(messages: readonly Message[]): Promise<AttemptResult[]> {
    const first = messages[0];
    if (!first) return [];
    try {
      const result = await this.session.deliver(first.sender, messages.map((m) => m.recipient), first.getData());
      return result.outcomes.map((o) => ({ response: o.response, transcript: result.transcript }));
    } catch (error) {
      if (error instanceof SessionError) throw new ChannelError(error.message, error.response, error.transcript, { cause: error });
      throw error;
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
