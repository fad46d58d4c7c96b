import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarize } from './cli.js';
import { parseReport } from './report.js';

const dir = fileURLToPath(new URL('./samples/messages/', import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).sort();

interface Expectation {
  kind: string;
  format?: string;
  reporter: string;
  feedback_type?: string;
  user_agent?: string;
  source_ip?: string;
  recipients: { recipient: string; action: string; status: string | null; remote_mta: string | null; category: string; permanent: boolean }[];
  correlation: { source: string; id: string | null; recipient: string | null; tenant: string | null; campaign: string | null } | null;
}

describe('sample bounce and feedback messages (samples/messages)', () => {
  it('has the formats the project promises', () => {
    const expected = names.map((n) => JSON.parse(readFileSync(`${dir}${n}.expect.json`, 'utf8')) as Expectation);
    const dsnReporters = new Set(expected.filter((e) => e.kind === 'dsn').map((e) => e.reporter));
    for (const mta of ['postfix', 'exim', 'sendmail', 'qmail', 'exchange', 'gmail', 'yahoo', 'ses']) expect(dsnReporters).toContain(mta);
    const feedbackTypes = new Set(expected.map((e) => e.feedback_type));
    expect(feedbackTypes).toContain('abuse');
    expect(feedbackTypes).toContain('opt-out');
  });

  it.each(names)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(`${dir}${name}.expect.json`, 'utf8')) as Expectation;
    const report = await parseReport(readFileSync(`${dir}${name}.eml`));
    expect(report.kind).toBe(expected.kind);
    if (report.kind === 'dsn') {
      expect(report.reporter).toBe(expected.reporter);
      if (expected.format) expect(report.format).toBe(expected.format);
    }
    if (report.kind === 'arf') {
      expect(report.feedback_report).toMatchObject({
        feedback_type: expected.feedback_type,
        user_agent: expected.user_agent,
        source_ip: expected.source_ip,
      });
    }
    const summaries = summarize(report);
    expect(summaries.map((s) => ({
      recipient: s.recipient, action: s.action, status: s.status, remote_mta: s.remote_mta, category: s.category, permanent: s.permanent,
    }))).toEqual(expected.recipients);
    if (expected.correlation === null) {
      expect(report.correlation).toBeNull();
    } else {
      expect(report.correlation).toMatchObject(expected.correlation);
      expect(summaries[0]).toMatchObject({
        queue_id: expected.correlation.id, tenant: expected.correlation.tenant, campaign: expected.correlation.campaign,
      });
    }
  });
});
