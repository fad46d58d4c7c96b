/** @mtakit/core/testing — helpers for testing mail systems built on mtakit. */
export { SmtpSink, type SmtpSinkOptions, type SinkMessage } from './sink.js';
export { FakeClock } from './fake-clock.js';
export { FakeTimers } from './fake-timers.js';
export { RawSmtpClient, type SmtpReply } from './smtp-client.js';
export { TestResolver, type TestZone } from './test-resolver.js';
export { findRedisServer, startRedis, type TestRedis } from './redis-server.js';
export { findBinary, freePort, startServerProcess, type ServerProcess, type ServerProcessOptions } from './server-process.js';
