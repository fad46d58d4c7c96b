/** @mtakit/core/smtp — the SMTP listener (on smtp-server) and its helpers. */
export { SmtpIngress, type SmtpIngressOptions, type AcceptedMessage } from './ingress.js';
export { ReceptionPipeline, HOLD_META, type ReceptionOptions } from '../reception/pipeline.js';
export { ResourceGuard, descriptorBudget, openFilesLimit, type DescriptorBudget, type ResourceGuardOptions, type ResourceRefusal } from './resource-guard.js';
export { MtaSmtpServer, type MtaSmtpServerOptions, type RejectionReply } from './server.js';
export { greetPauseFor, MAX_GREET_PAUSE_MS, type GreetPauseOptions } from './greet-pause.js';
export { NetworkMatcher } from './network-matcher.js';
export { receivedHeaderValue, type ReceivedInfo } from './received-header.js';
export { loadOrCreateCertificate, generateSelfSigned, type TlsKeyPair, type CertificateOptions } from '../tls/certificate.js';
