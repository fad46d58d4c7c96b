/** @mtakit/core/log — log records, the log bus and the JSONL segment writer. */
export { JsonlLogWriter, type JsonlLogWriterOptions, type LogWriterState } from './jsonl-writer.js';
export { forRecordTypes, LogBus, type LogConsumer } from './bus.js';
export { recordJson, responseLine, internalResponse, INTERNAL_RESPONSE_PREFIX, LOG_RECORD_TYPES, type LogRecord, type LogRecordType, type SmtpResponse } from './records.js';
