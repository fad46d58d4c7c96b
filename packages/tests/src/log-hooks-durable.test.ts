import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsFixture } from './helpers/events.js';
import { injectMessages } from './helpers/inject.js';
import { startMtaProcess } from './helpers/mta-process.js';

/**
 * A KumoMTA log hook (policy-extras.log_hooks:new_json, as in KumoMTA's docs) on the example MTA
 * queues its records on disk: with the receiver down and the MTA SIGKILLed, every record still
 * arrives, as the bare record KumoMTA posts, once the MTA is back and the receiver answers.
 */
describe('KumoMTA log hooks survive a receiver outage and a SIGKILL', () => {
  const f = eventsFixture('mtakit-log-hooks-');

  it('posts every Reception and Delivery record after the restart', async () => {
    await f.start();
    f.receiver.mode = 'fail';
    writeFileSync(join(f.dir, 'init.lua'), `
local log_hooks = require 'policy-extras.log_hooks'
log_hooks:new_json {
  name = 'webhook',
  url = '${f.receiver.url}',
  queue_config = { retry_interval = '100ms', max_retry_interval = '500ms' },
}
kumo.on('should_enqueue_log_record', function(record, hook_name)
  return record.type == 'Reception' or record.type == 'Delivery'
end)
`);
    const env = { MTAKIT_DATA_DIR: join(f.dir, 'data'), MTAKIT_SMARTHOST: f.sink.address, MTAKIT_POLICY: join(f.dir, 'init.lua'), MTAKIT_SCORER: 'off' };
    let mta = (f.mta = await startMtaProcess(env));
    const recipients = Array.from({ length: 20 }, (_, i) => `r${i}@dest.test`);
    expect((await injectMessages(mta.smtpPort, recipients)).acked).toHaveLength(20);
    await f.sink.waitFor(() => f.sink.byRecipient.size >= 20, 60_000);
    mta.child.kill('SIGKILL');
    await mta.exited;
    f.receiver.mode = 'ok';
    mta = f.mta = await startMtaProcess(env);
    const got = () => new Set(f.receiver.received.map((r) => { const rec = JSON.parse(r.body) as { type: string; recipient: string }; return `${rec.type} ${rec.recipient}`; }));
    const deadline = Date.now() + 60_000;
    while (got().size < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect([...got()].sort()).toEqual(recipients.flatMap((r) => [`Delivery ${r}`, `Reception ${r}`]).sort());
  }, 180_000);
});
