import { TestReceiver } from '@mtakit/events/testing';
import { mtaFixture, type MtaFixture } from './mta-process.js';

/** An MTA fixture plus a webhook receiver, for events tests; `start()` starts the sink and the receiver. */
export function eventsFixture(prefix: string): MtaFixture & { receiver: TestReceiver; start(): Promise<void> } {
  const receiver = new TestReceiver();
  const base = mtaFixture(prefix, {}, () => receiver.close());
  return Object.assign(base, {
    receiver,
    async start() {
      await base.sink.start();
      await receiver.listen();
    },
  });
}
