import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { TestReceiver } from '@mtakit/events/testing';
import { afterAll } from 'vitest';
import type { MtaProcess } from './mta-process.js';

/**
 * What an events test against the example MTA needs: a temporary directory, a sink behind the
 * MTA, a webhook receiver, and the MTA process once started — all torn down after the file.
 */
export function eventsFixture(prefix: string): { dir: string; sink: SmtpSink; receiver: TestReceiver; mta: MtaProcess | undefined; start(): Promise<void> } {
  const fixture = {
    dir: mkdtempSync(join(tmpdir(), prefix)),
    sink: new SmtpSink(),
    receiver: new TestReceiver(),
    mta: undefined as MtaProcess | undefined,
    async start() {
      await fixture.sink.start();
      await fixture.receiver.listen();
    },
  };
  afterAll(async () => {
    await fixture.mta?.kill('SIGKILL');
    await fixture.sink.stop();
    await fixture.receiver.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
