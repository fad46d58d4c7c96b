import { describe, expect, it } from 'vitest';
import { csvRow, parseCsv } from './csv.js';
import type { SuppressionEntry } from './entry.js';
import { exportSuppressionCsv, importSuppressionCsv, parseTime } from './import.js';
import { SuppressionPolicy } from './policy.js';

const now = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

describe('parseCsv / csvRow', () => {
  it('reads RFC 4180: quoted commas, doubled quotes, line breaks inside quotes, CRLF and LF, a BOM', () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\nlast,,\n';
    expect(parseCsv(text)).toEqual([['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\r\nlines'], ['last', '', '']]);
  });

  it('round-trips what it writes', () => {
    const rows = [['plain', 'with,comma', 'with "quote"', 'multi\nline', '']];
    expect(parseCsv(rows.map((r) => csvRow(r)).join(''))).toEqual(rows);
  });
});

describe('importSuppressionCsv', () => {
  it('reads our own columns, with RFC 3339 or Unix times, empty tenant = global, empty expires = never', () => {
    const csv = [
      'recipient,tenant,reason,category,source_type,source_id,created,expires,note',
      'Jane@Example.NET,acme,complaint,SpamRelated,Feedback,0194637911080000f1f2f3f4f5f6f7f8,2026-01-02T03:04:05Z,,feedback-type abuse',
      'bob@example.org,,bounce,InvalidRecipient,Bounce,,1767225600,1798761600,550 5.1.1 user unknown',
    ].join('\n');
    const r = importSuppressionCsv(csv, { now });
    expect(r.format).toBe('mtakit');
    expect(r.skipped).toEqual([]);
    expect(r.entries).toEqual([
      { recipient: 'jane@example.net', tenant: 'acme', reason: 'complaint', category: 'SpamRelated', source_type: 'Feedback', source_id: '0194637911080000f1f2f3f4f5f6f7f8', created: Date.UTC(2026, 0, 2, 3, 4, 5), expires: null, note: 'feedback-type abuse' },
      { recipient: 'bob@example.org', tenant: null, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce', source_id: '', created: 1767225600_000, expires: 1798761600_000, note: '550 5.1.1 user unknown' },
    ]);
  });

  it('round-trips an export in our columns', () => {
    const entries: SuppressionEntry[] = [
      { recipient: 'a@example.com', tenant: 'acme, inc.', reason: 'unsubscribe', category: 'Unsubscribe', source_type: 'unsubscribe', source_id: 'spring', created: now, expires: null, note: 'said "stop"' },
      { recipient: 'b@example.com', tenant: null, reason: 'soft-bounce', category: 'QuotaIssues', source_type: 'TransientFailure', source_id: 'x', created: now, expires: now + DAY, note: '452 4.2.2 full' },
    ];
    expect(importSuppressionCsv(exportSuppressionCsv(entries), { now: 0 }).entries).toEqual(entries);
  });

  it('skips bad rows with the row number and why, keeps the rest', () => {
    const csv = 'recipient,tenant,reason\nnot-an-address,,manual\nok@example.com,,spam\nfine@example.com,,manual\n';
    const r = importSuppressionCsv(csv, { now });
    expect(r.entries.map((e) => e.recipient)).toEqual(['fine@example.com']);
    expect(r.skipped).toEqual([
      { row: 2, reason: expect.stringMatching(/invalid address "not-an-address"/) },
      { row: 3, reason: expect.stringMatching(/reason "spam" must be one of/) },
    ]);
  });

  it('reads a PowerMTA accounting file: address bounces and feedback loops in, the rest skipped', () => {
    const csv = [
      'type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,vmta,jobId',
      'd,2026-02-01 10:00:00-0500,2026-02-01 09:59:58-0500,news@example.com,ok@example.net,,relayed,2.0.0 (success),smtp;250 2.0.0 OK,mx.example.net,,smtp,vmta1,job-7',
      'b,2026-02-01 10:00:01-0500,2026-02-01 09:59:58-0500,news@example.com,gone@example.net,,failed,5.0.0 (undefined status),smtp;550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown in virtual mailbox table,mx.example.net,bad-mailbox,smtp,vmta1,job-7',
      'b,2026-02-01 10:00:02-0500,2026-02-01 09:59:58-0500,news@example.com,blocked@example.net,,failed,5.7.1,smtp;554 5.7.1 Service unavailable; Client host blocked,mx.example.net,policy-related,smtp,vmta1,job-7',
      'b,2026-02-01 10:00:03-0500,2026-02-01 09:59:58-0500,news@example.com,nobody@gmail.com,,failed,5.1.1,"smtp;550 5.1.1 The email account that you tried to reach does not exist.",gmail-smtp-in.l.google.com,other,smtp,vmta1,job-7',
      'f,2026-02-01 12:00:00+0000,,news@example.com,angry@yahoo.com,,,,,,,,,',
      't,2026-02-01 10:00:05-0500,,news@example.com,later@example.net,,delayed,4.2.2,smtp;452 4.2.2 Mailbox full,mx.example.net,quota-issues,smtp,vmta1,job-7',
    ].join('\r\n');
    const r = importSuppressionCsv(csv, { now, tenant: 'acme' });
    expect(r.format).toBe('pmta');
    expect(r.entries.map((e) => [e.recipient, e.reason, e.category, e.tenant])).toEqual([
      ['gone@example.net', 'bounce', 'InvalidRecipient', 'acme'],
      ['nobody@gmail.com', 'bounce', 'InvalidRecipient', 'acme'],
      ['angry@yahoo.com', 'complaint', 'SpamRelated', 'acme'],
    ]);
    expect(r.entries[0]).toMatchObject({ created: Date.UTC(2026, 1, 1, 15, 0, 1), expires: Date.UTC(2026, 1, 1, 15, 0, 1) + 365 * DAY, note: expect.stringMatching(/^550 5\.1\.1 <gone@example\.net>/) });
    expect(r.skipped).toEqual([
      { row: 2, reason: 'record type "d" is not a bounce or feedback record' },
      { row: 4, reason: 'bounce category PolicyRelated is not about the address' },
      { row: 7, reason: 'record type "t" is not a bounce or feedback record' },
    ]);
  });

  it('round-trips bounces and complaints through the PowerMTA shape', () => {
    const policy = new SuppressionPolicy();
    const entries: SuppressionEntry[] = [
      { recipient: 'gone@example.net', tenant: null, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce', source_id: '', created: now, expires: policy.expiresFor('bounce', now), note: '550 5.1.1 user unknown' },
      { recipient: 'angry@yahoo.com', tenant: null, reason: 'complaint', category: 'SpamRelated', source_type: 'Feedback', source_id: '', created: now, expires: null, note: 'feedback-type abuse' },
      { recipient: 'leaving@aol.com', tenant: null, reason: 'unsubscribe', category: 'Unsubscribe', source_type: 'Feedback', source_id: '', created: now, expires: null, note: 'feedback-type opt-out' },
    ];
    const csv = exportSuppressionCsv(entries, 'pmta');
    expect(csv.split('\r\n')[0]).toBe('type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat,feedbackType');
    expect(csv.split('\r\n')[1]).toBe('b,2026-03-01 00:00:00+0000,,gone@example.net,5.1.1,smtp;550 5.1.1 user unknown,bad-mailbox,');
    const back = importSuppressionCsv(csv, { now: 0 });
    expect(back.entries.map((e) => [e.recipient, e.reason, e.category, e.created, e.expires])).toEqual(entries.map((e) => [e.recipient, e.reason, e.category, e.created, e.expires]));
  });

  it('reads plain address lists with or without a header', () => {
    expect(importSuppressionCsv('a@example.com\nB@Example.com\n', { now }).entries.map((e) => e.recipient)).toEqual(['a@example.com', 'b@example.com']);
    const r = importSuppressionCsv('email\na@example.com\n', { now, reason: 'unsubscribe', tenant: 'acme' });
    expect(r).toMatchObject({ format: 'lines', entries: [{ recipient: 'a@example.com', reason: 'unsubscribe', tenant: 'acme', source_type: 'import', expires: null }] });
  });
});

describe('parseTime', () => {
  it('reads RFC 3339, PowerMTA times, Unix seconds and ms, and names what it cannot read', () => {
    expect(parseTime('2026-01-15T14:23:11Z')).toBe(Date.UTC(2026, 0, 15, 14, 23, 11));
    expect(parseTime('2026-01-15 14:23:11-0500')).toBe(Date.UTC(2026, 0, 15, 19, 23, 11));
    expect(parseTime('1768487000')).toBe(1768487000_000);
    expect(parseTime('1768487000123')).toBe(1768487000123);
    expect(parseTime('')).toBeUndefined();
    expect(() => parseTime('yesterday')).toThrow(/time "yesterday" is not RFC 3339/);
  });
});
