/** @mtakit/core/smtp — the SMTP listener (on smtp-server) and its helpers. */
export { SmtpIngress, type SmtpIngressOptions, type AcceptedMessage } from './ingress.js';
export { MtaSmtpServer, type MtaSmtpServerOptions, type RejectionReply } from './server.js';
export { greetPauseFor, MAX_GREET_PAUSE_MS, type GreetPauseOptions } from './greet-pause.js';
export { receivedHeaderValue, type ReceivedInfo } from './received-header.js';
export { loadOrCreateCertificate, generateSelfSigned, type TlsKeyPair, type CertificateOptions } from '../tls/certificate.js';
