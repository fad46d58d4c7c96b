/** @mtakit/events/testing — a real webhook receiver, throwaway brokers and records for tests. */
export { TestReceiver, type ReceiverMode, type Received } from './receiver.js';
export { testRecord } from './records.js';
export { brokers } from './brokers.js';
