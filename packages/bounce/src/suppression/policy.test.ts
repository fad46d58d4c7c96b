import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBounceClassifier } from '../classifier.js';
import { reportToLogRecords } from '../records.js';
import { parseReplyText } from '../reply.js';
import { parseReport } from '../report.js';
import { logRecordDefaults, internalResponse, type LogRecord, type LogRecordType } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { suppressionConsumer } from './consumer.js';
import { MemorySuppressionStore } from './memory-store.js';
import { SuppressionPolicy } from './policy.js';

const DAY = 86_400_000;
const clock = new FakeClock(Date.UTC(2026, 2, 1));
const samples = join(import.meta.dirname, '../samples/messages');

/** A delivery-attempt record as the queue writes it, classified by the built-in rules. */
function attempt(type: LogRecordType, reply: string, over: Partial<LogRecord> = {}): LogRecord {
  const response = parseReplyText(reply);
  if (!response) throw new Error(`bad reply in test: ${reply}`);
  return {
    ...logRecordDefaults(), type, id: over.id ?? '0194636f2a1b00007c9e1f2a3b4c5d6e', sender: 'news@example.com', recipient: 'Jane.Doe@Example.net',
    queue: 'example.net', site: '', size: 1200, response, peer_address: null, timestamp: Math.floor(clock.now() / 1000),
    event_time: new Date(clock.now()).toISOString(), created: 0, num_attempts: 1, bounce_classification: defaultBounceClassifier().classify(response).category,
    meta: { tenant: 'acme' }, reception_protocol: 'ESMTP', nodeid: '', ...over,
  };
}

async function sampleRecords(file: string): Promise<LogRecord[]> {
  const report = await parseReport(readFileSync(join(samples, file)));
  return reportToLogRecords(report, { clock });
}

describe('SuppressionPolicy', () => {
  const policy = new SuppressionPolicy();

  it('suppresses a hard bounce about the address at once, globally, for a year', () => {
    const d = policy.decide(attempt('Bounce', '550 5.1.1 The email account that you tried to reach does not exist.'));
    expect(d).toMatchObject({
      action: 'suppress',
      entry: {
        recipient: 'jane.doe@example.net', tenant: null, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce',
        source_id: '0194636f2a1b00007c9e1f2a3b4c5d6e', created: clock.now(), expires: clock.now() + 365 * DAY,
      },
    });
    expect(d.action === 'suppress' && d.entry.note).toMatch(/^550 5\.1\.1 The email account/);
  });

  it('leaves hard bounces about the sender alone (SpamBlock, AuthenticationFailed, PolicyRelated)', () => {
    for (const reply of [
      '550 5.7.606 Access denied, banned sending IP [203.0.113.44]. To request removal from this list please visit',
      '550 5.7.26 This mail has been blocked because the sender is unauthenticated.',
      '554 5.7.1 Service unavailable; Client host [203.0.113.44] blocked using zen.spamhaus.org',
    ]) {
      expect(policy.decide(attempt('Bounce', reply)).action).toBe('none');
    }
  });

  it('counts soft bounces: transient failures and hard bounces in soft-only categories', () => {
    expect(policy.decide(attempt('TransientFailure', '452 4.2.2 The recipient\'s inbox is out of storage space.'))).toMatchObject({
      action: 'count-soft', key: { recipient: 'jane.doe@example.net', tenant: null }, threshold: 3, windowMs: 7 * DAY,
      entry: { reason: 'soft-bounce', category: 'QuotaIssues', expires: clock.now() + 30 * DAY },
    });
    expect(policy.decide(attempt('Bounce', '552 5.2.2 mailbox full')).action).toBe('count-soft');
    expect(policy.decide(attempt('TransientFailure', '451 4.7.1 Greylisted, please try again later')).action).toBe('none');
  });

  it('ignores replies mtakit made itself (suppression refusals, expiry)', () => {
    const own = attempt('Bounce', '550 5.1.1 x', { response: internalResponse(550, '5.1.1', '<a@b.example> is on the suppression list') });
    expect(policy.decide(own)).toMatchObject({ action: 'none', why: /mtakit made this reply/ });
  });

  it('scopes bounces by tenant when asked', () => {
    const d = new SuppressionPolicy({ bounceScope: 'tenant' }).decide(attempt('Bounce', '550 5.1.1 user unknown'));
    expect(d.action === 'suppress' && d.entry.tenant).toBe('acme');
  });

  it('suppresses the traced recipient of a failed OOB report', async () => {
    const [record] = await sampleRecords('postfix-gmail-user-unknown.eml');
    expect(policy.decide(record as LogRecord)).toMatchObject({
      action: 'suppress', entry: { recipient: 'nobody@gmail.com', reason: 'bounce', category: 'InvalidRecipient', source_type: 'OOB', source_id: '0194636f2a1b00007c9e1f2a3b4c5d6e' },
    });
  });

  it('does not let an uncorrelated report change the list unless trust is "any"', async () => {
    const [record] = await sampleRecords('postfix-gmail-user-unknown.eml');
    const { correlation: _c, ...extra } = (record as LogRecord).extra ?? {};
    const anonymous = { ...(record as LogRecord), extra };
    expect(policy.decide(anonymous)).toMatchObject({ action: 'none', why: /not tied to a message we sent/ });
    expect(new SuppressionPolicy({ trust: 'any' }).decide(anonymous).action).toBe('suppress');
    expect(new SuppressionPolicy({ trust: 'verified' }).decide(record as LogRecord)).toMatchObject({ action: 'none', why: /not verified/ });
  });

  it('turns an ARF abuse report into a tenant complaint that never expires, an opt-out into an unsubscribe', async () => {
    const [abuse] = await sampleRecords('arf-abuse.eml');
    expect(policy.decide(abuse as LogRecord)).toMatchObject({
      action: 'suppress',
      entry: { recipient: 'angry@yahoo.com', tenant: 'initech', reason: 'complaint', category: 'SpamRelated', expires: null, note: 'feedback-type abuse from feedback3.mail.ne1.yahoo.com' },
    });
    const [optOut] = await sampleRecords('arf-opt-out.eml');
    expect(policy.decide(optOut as LogRecord)).toMatchObject({ action: 'suppress', entry: { recipient: 'leaving@aol.com', reason: 'unsubscribe', category: 'Unsubscribe' } });
    expect(new SuppressionPolicy({ feedbackScope: 'global' }).decide(optOut as LogRecord)).toMatchObject({ entry: { tenant: null } });
  });

  it('leaves auto-replies and delivery records alone', async () => {
    const [auto] = await sampleRecords('autoreply-out-of-office.eml');
    expect(policy.decide(auto as LogRecord).action).toBe('none');
    expect(policy.decide(attempt('Delivery', '250 2.0.0 OK')).action).toBe('none');
  });

  it('rejects nonsense options with the key named', () => {
    expect(() => new SuppressionPolicy({ softCount: -1 })).toThrow(/softCount/);
    expect(() => new SuppressionPolicy({ softWindowMs: 0 })).toThrow(/softWindowMs/);
  });
});

describe('suppressionConsumer', () => {
  function setup(options: ConstructorParameters<typeof SuppressionPolicy>[0] = {}) {
    const store = new MemorySuppressionStore({ clock });
    const added: string[] = [];
    const errors: unknown[] = [];
    const consume = suppressionConsumer(store, new SuppressionPolicy(options), { onSuppress: (e) => added.push(`${e.reason} ${e.recipient}`), onError: (e) => errors.push(e) });
    return { store, added, errors, consume };
  }

  it('suppresses after a hard bounce; a second hard bounce leaves the entry as it is', async () => {
    const { store, added, consume } = setup();
    await consume(attempt('Bounce', '550 5.1.1 user unknown'));
    await consume(attempt('Bounce', '550 5.1.1 user unknown', { id: '0194636f2a1b00007c9e1f2a3b4c5d6f' }));
    expect(added).toEqual(['bounce jane.doe@example.net']);
    expect((await store.check('jane.doe@example.net', 'anyone'))?.source_id).toBe('0194636f2a1b00007c9e1f2a3b4c5d6e');
  });

  it('suppresses after N soft bounces of distinct messages; retries of one message count once', async () => {
    const { store, consume } = setup({ softCount: 2 });
    const full = '452 4.2.2 The recipient\'s inbox is out of storage space.';
    for (let i = 0; i < 5; i++) await consume(attempt('TransientFailure', full, { id: '0194636f2a1b00007c9e1f2a3b4c5d01' }));
    expect(await store.check('jane.doe@example.net')).toBeUndefined();
    await consume(attempt('TransientFailure', full, { id: '0194636f2a1b00007c9e1f2a3b4c5d02' }));
    expect(await store.check('jane.doe@example.net')).toMatchObject({ reason: 'soft-bounce', category: 'QuotaIssues' });
  });

  it('does not upgrade a longer entry with a shorter one', async () => {
    const { store, consume } = setup({ softCount: 1 });
    await consume(attempt('Bounce', '550 5.1.1 user unknown'));
    await consume(attempt('TransientFailure', '452 4.2.2 mailbox full', { id: '0194636f2a1b00007c9e1f2a3b4c5d03' }));
    expect((await store.check('jane.doe@example.net'))?.reason).toBe('bounce');
  });

  it('returns nothing for records that cannot matter (no promise on the hot path)', () => {
    const { consume } = setup();
    expect(consume(attempt('Delivery', '250 2.0.0 OK'))).toBeUndefined();
    expect(consume(attempt('Reception', '250 OK'))).toBeUndefined();
  });

  it('reports store failures instead of throwing into the log bus', async () => {
    const { store, errors, consume } = setup();
    await store.close();
    store.put = () => Promise.reject(new Error('disk full'));
    await expect(consume(attempt('Bounce', '550 5.1.1 user unknown'))).resolves.toBeUndefined();
    expect(errors).toEqual([new Error('disk full')]);
  });
});
