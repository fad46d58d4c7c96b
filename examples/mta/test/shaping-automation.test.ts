import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MxResolver } from '@mtakit/core/dns';
import { SmtpSink, TestResolver } from '@mtakit/core/testing';
import { BUILTIN_SHAPING_DOCUMENT } from '@mtakit/shaping';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, sendAll } from './helpers/policy-mta.js';
import { repoRoot } from '../../../packages/tests/src/helpers/mta-process.js';
import { startShapedMta, type ShapedMta } from './helpers/shaped-mta.js';

/** Gmail's reply when it rate-limits a sending IP. */
const GMAIL_RATE_LIMITED = '421 4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address.';
const SITE = 'gmail-smtp-in.l.google.com';

/** gmail.com's MX is the sink on this machine. */
const gmailResolver = () => new MxResolver({
  resolver: new TestResolver({ mx: { 'gmail.com': [{ exchange: SITE, priority: 5 }] }, a: { [SITE]: ['127.0.0.1'] } }),
});

/** Reach the sink: its port, loopback allowed, no TLS (the sink has no certificate to require). */
const toSink = (port: number) => ({ default: { smtp_port: port, prohibited_hosts: [] }, 'gmail.com': { enable_tls: 'Disabled' } });

/** Retry a deferred message after a second instead of 20 minutes. */
const quickRetry = { get_queue_config: () => ({ retry_interval: '1s' }) };

interface Resolution {
  queue_name: string;
  path_config: { connection_limit?: number; max_message_rate?: string };
  shaping: {
    sources: Record<string, { file: string; step: string }>;
    effects: Array<{ kind: string; name?: string; value?: unknown; expires: string; rule: { file: string; block: string } }>;
    limits: Array<{ name: string; kind: string; limit?: number; spec?: string }>;
  };
}
interface States { ready_queues: Array<{ name: string; connection_limit: number; shaping: { effects: unknown[] } }> }

describe('traffic shaping automation in the example MTA', () => {
  const running: Array<ShapedMta | SmtpSink> = [];
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  });
  async function start(rateLimitedReplies: number, file: object, before: string[] = []) {
    let left = rateLimitedReplies;
    const sink = await new SmtpSink({ rcptReply: () => (left-- > 0 ? GMAIL_RATE_LIMITED : undefined) }).start();
    running.push(sink);
    const json = JSON.stringify({ ...toSink(sink.port), ...file });
    const mta = await startShapedMta(json, {}, { name: 'test-overlay.json', before, resolver: gmailResolver(), policy: quickRetry });
    running.push(mta);
    return { sink, mta, resolve: () => mta.get<Resolution>('/api/admin/resolve-egress-path/v1?domain=gmail.com') };
  }

  it("421 4.7.28 fires the shipped Gmail rule: the path slows down for the rule's duration, then recovers", async () => {
    // The built-in google provider as shipped, with its rules' durations cut to 3 s for the test.
    const google = BUILTIN_SHAPING_DOCUMENT.provider.google;
    const shortened = { provider: { google: { ...google, replace_base: true, automation: google.automation.map((r) => ({ ...r, duration: '3s' })) } } };
    const { sink, mta, resolve } = await start(1, shortened);
    expect((await resolve()).path_config).toMatchObject({ connection_limit: 8, max_message_rate: '50/s' });

    expect((await sendAll(mta.mta.smtp.port, [{ to: 'user@gmail.com' }]))[0]?.code).toBe(250);
    await expect.poll(async () => (await resolve()).path_config.connection_limit, { timeout: 10_000 }).toBe(2);
    const slowed = await resolve();
    expect(slowed.path_config.max_message_rate).toBe('20/min');
    expect(slowed.shaping.sources['max_message_rate']?.step).toBe('automation');
    expect(slowed.shaping.effects.map((e) => [e.kind, e.name, e.value])).toEqual([['config', 'max_message_rate', '20/min'], ['config', 'connection_limit', 2]]);
    expect(Date.parse(slowed.shaping.effects[0]!.expires) - Date.now()).toBeLessThanOrEqual(3000);
    expect(slowed.shaping.limits.find((l) => l.name === 'max_message_rate')).toMatchObject({ spec: '20/60s' });
    // The queue applies it now, not when its cached path config ages out.
    const gmailQueue = async () => (await mta.get<States>('/api/admin/ready-queues/v1')).ready_queues.find((s) => s.name === slowed.queue_name);
    await expect.poll(async () => (await gmailQueue())?.connection_limit, { timeout: 5000 }).toBe(2);
    expect((await gmailQueue())?.shaping.effects).toHaveLength(2);
    expect(metricValue(await mta.metrics(), 'shaping_automation_effects', { kind: 'config' })).toBe(2);
    expect(mta.logs.some((l) => /shaping automation: max_message_rate = "20\/min"/.test(l))).toBe(true);

    // The effects end with their duration and the path goes back to the file's values.
    await expect.poll(async () => (await resolve()).path_config.connection_limit, { timeout: 15_000 }).toBe(8);
    await expect.poll(async () => (await gmailQueue())?.connection_limit, { timeout: 5000 }).toBe(8);
    expect((await resolve()).shaping.effects).toEqual([]);
    // The deferred message went out on its retry.
    await sink.waitFor(() => sink.for('user@gmail.com').length === 1);
  });

  const kumo = join(repoRoot, '../shared/data/kumomta');
  const hasKumo = existsSync(join(kumo, 'community/shaping.toml'));
  if (!hasKumo) console.warn(`skipping the KumoMTA shaping files in the example MTA: ${kumo} is absent (the shared data sits beside the repository)`);

  it.skipIf(!hasKumo)("KumoMTA's files: the community Gmail rule applies once the MTA gives its provider a match", async () => {
    const files = [join(kumo, 'policy-extras/shaping.toml'), join(kumo, 'community/shaping.toml')];
    const { mta, resolve } = await start(2, {}, files);
    expect(mta.logs.some((l) => l.includes('[provider."gmail"]') && l.includes('adding match'))).toBe(true);
    // The community rule wants two matches within the hour: the first attempt and its retry.
    expect((await sendAll(mta.mta.smtp.port, [{ to: 'user@gmail.com' }]))[0]?.code).toBe(250);
    await expect.poll(async () => (await resolve()).shaping.effects.filter((e) => e.rule.file.endsWith('community/shaping.toml')), { timeout: 15_000 })
      .toEqual([expect.objectContaining({ kind: 'config', name: 'max_message_rate', value: '10/minute', rule: expect.objectContaining({ block: '[provider."gmail"]' }) })]);
  });
});
