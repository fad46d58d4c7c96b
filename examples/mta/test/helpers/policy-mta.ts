import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '@mtakit/core';
import { SmtpSink, type SmtpSinkOptions } from '@mtakit/core/testing';
import { createTransport } from 'nodemailer';
import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startMta, type RunningMta } from '../../src/mta.js';

export interface PolicyMta {
  mta: RunningMta;
  /** Every line the MTA logged, as "LEVEL message". */
  logs: string[];
  /** `GET /metrics` (Prometheus text). */
  metrics(): Promise<string>;
  /** `POST /api/admin/bump-config-epoch`. */
  bumpConfigEpoch(): Promise<{ status: number; body: { ok?: boolean; error?: string; code?: string } }>;
  queueSummary(): Promise<{ scheduled: Array<{ name: string; count: number; nextDue: string | null }> }>;
  stop(): Promise<void>;
}

/**
 * Starts the example MTA in this process, configured through its environment variables (a
 * MTAKIT_POLICY, its includes, a smart host…) on free ports, without fsync, and keeps its log.
 */
export async function startPolicyMta(env: Record<string, string>, options: { policy?: Policy } = {}): Promise<PolicyMta> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-policy-'));
  const logs: string[] = [];
  const config = loadConfig({
    MTAKIT_DATA_DIR: dataDir, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_FSYNC: 'false', ...env,
  }, dataDir);
  const mta = await startMta(config, { logger: (level, message) => logs.push(`${level.toUpperCase()} ${message}`), ...options });
  const url = (path: string) => `http://127.0.0.1:${mta.http.port}${path}`;
  return {
    mta,
    logs,
    metrics: async () => (await fetch(url('/metrics'))).text(),
    bumpConfigEpoch: async () => {
      const res = await fetch(url('/api/admin/bump-config-epoch'), { method: 'POST' });
      return { status: res.status, body: (await res.json()) as { ok?: boolean; error?: string } };
    },
    queueSummary: async () => (await fetch(url('/api/admin/queue-summary/v1'))).json() as Promise<{ scheduled: Array<{ name: string; count: number; nextDue: string | null }> }>,
    stop: async () => {
      await mta.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Outgoing {
  to: string;
  headers?: Record<string, string>;
  /** SMTP AUTH (over STARTTLS) as this user. */
  auth?: { user: string; pass: string };
}

/** What the MTA answered to one message: the final reply code and text. */
export interface SendResult {
  to: string;
  code: number;
  response: string;
}

/**
 * Sends each message in its own transaction, as an application would (nodemailer, one pooled
 * transport per AUTH identity), and returns the MTA's reply to each, refusals included.
 */
export async function sendAll(port: number, messages: readonly Outgoing[]): Promise<SendResult[]> {
  const transports = new Map<string, ReturnType<typeof createTransport>>();
  const transportFor = (auth: Outgoing['auth']) => {
    const key = auth ? auth.user : '';
    let t = transports.get(key);
    if (!t) {
      t = createTransport({
        pool: true, maxConnections: 4, host: '127.0.0.1', port, secure: false,
        ...(auth ? { requireTLS: true, tls: { rejectUnauthorized: false }, auth } : { ignoreTLS: true }),
      });
      transports.set(key, t);
    }
    return t;
  };
  try {
    return await Promise.all(messages.map(async (m): Promise<SendResult> => {
      const headers = Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      const raw = `From: app@example.com\r\nTo: ${m.to}\r\nSubject: policy test\r\n${headers}\r\nHello\r\n`;
      try {
        const info = await transportFor(m.auth).sendMail({ envelope: { from: 'app@example.com', to: m.to }, raw });
        return { to: m.to, code: Number(info.response.slice(0, 3)), response: info.response };
      } catch (error) {
        const e = error as Error & { responseCode?: number; response?: string };
        return { to: m.to, code: e.responseCode ?? 0, response: e.response ?? e.message };
      }
    }));
  } finally {
    for (const t of transports.values()) t.close();
  }
}

/** The value of one sample of a Prometheus metric (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/**
 * For a describe block: `start` an in-process MTA and `sink`s; all are stopped after each test.
 */
export function usePolicyMta(): { start: typeof startPolicyMta; sink: (options?: SmtpSinkOptions) => Promise<SmtpSink> } {
  const mtas: PolicyMta[] = [];
  const sinks: SmtpSink[] = [];
  afterEach(async () => {
    await Promise.all(mtas.splice(0).map((m) => m.stop()));
    await Promise.all(sinks.splice(0).map((s) => s.stop()));
  });
  return {
    start: async (env, options) => {
      const mta = await startPolicyMta(env, options);
      mtas.push(mta);
      return mta;
    },
    sink: async (options = {}) => {
      const sink = await new SmtpSink(options).start();
      sinks.push(sink);
      return sink;
    },
  };
}
