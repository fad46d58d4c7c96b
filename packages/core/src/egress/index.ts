/**
 * @mtakit/core/egress — the SMTP client edge: sessions on nodemailer's SMTP connection with
 * transcripts and KumoMTA's TLS modes, connection plans over MX hosts, reply parsing.
 */
export { SmtpSession, SessionError, type SmtpSessionOptions, type RecipientOutcome, type TransactionResult, type TlsInfo } from './smtp-session.js';
export { BrokenTlsMemory, connectToAny, type ConnectOptions } from './connect.js';
export { connectionPlan, type PlannedHost } from './connection-plan.js';
export { parseReply, errorResponse } from './reply.js';
