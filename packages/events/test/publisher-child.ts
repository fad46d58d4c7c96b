// A process that publishes records through an EventHub and prints "acked <n>" once each is
// durable; the crash test SIGKILLs it mid-stream. Usage: publisher-child.ts <dir> <url> <from> <to>
import { EventHub, WebhookSink } from '../src/index.js';
import { testRecord } from '../src/testing/records.js';

const [dir, url, from, to] = process.argv.slice(2) as [string, string, string, string];
const hub = new EventHub({
  dir,
  warn: () => undefined,
  endpoints: [{ name: 'hook', sink: new WebhookSink({ url, timeoutMs: 500 }), concurrency: 2, batchWaitMs: 5, backoff: { initialMs: 20, maxMs: 200 } }],
});
await hub.start();
for (let n = Number(from); n <= Number(to); n++) {
  await hub.publish(testRecord(n, 'Reception'));
  await hub.publish(testRecord(n, 'Delivery'));
  process.stdout.write(`acked ${n}\n`);
}
process.stdout.write('published\n');
