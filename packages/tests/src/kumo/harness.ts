import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord, Policy } from '@mtakit/core';
import { parseCidr } from '@mtakit/core/dns';
import { createMta, type Mta, type MtaHttpOptions, type MtaPlugin } from '@mtakit/core/mta';
import { RawSmtpClient, SmtpSink, type SmtpSinkOptions } from '@mtakit/core/testing';
import { luaPolicyPlugin } from '@mtakit/lua';
import { queuePlugin } from '@mtakit/queue';
import { sendOne } from '../helpers/send.js';

export interface ApiReply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface HarnessOptions {
  /** A KumoMTA-style init.lua (the policy under test). */
  lua?: string;
  /** A TypeScript policy layered first. */
  policy?: Policy;
  sink?: SmtpSinkOptions;
  /** Relay everything to the sink (KumoMTA's tests route to the sink by `mx_list`). Default true. */
  smarthost?: boolean;
  plugins?: MtaPlugin[];
  /** HTTP listener settings (Basic users, body limit). */
  http?: MtaHttpOptions;
}

/**
 * KumoMTA's integration-test layout rebuilt on createMta: a source MTA (the real queue plugin, a
 * Lua policy when given) relaying to an SMTP sink with KumoMTA's local-part conventions, over real
 * sockets. Keeps every log record and diagnostic line.
 */
export interface KumoHarness {
  mta: Mta;
  sink: SmtpSink;
  records: LogRecord[];
  logs: string[];
  dir: string;
  /** One HTTP call to the MTA's listener; JSON in, JSON (or text) out. */
  api<T = unknown>(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string>; raw?: Buffer }): Promise<ApiReply<T>>;
  /** Sends one message per recipient over SMTP; the final reply line of each. */
  send(recipients: readonly string[], options?: { from?: string; headers?: string; body?: string }): Promise<string[]>;
  /** A raw SMTP session (banner read, EHLO sent), closed after `use`. */
  session<T>(use: (client: RawSmtpClient) => Promise<T>): Promise<T>;
  /** Waits until `count` records of `type` exist (default: any count ≥ 1). */
  waitForRecords(type: LogRecord['type'], count?: number, timeoutMs?: number): Promise<LogRecord[]>;
  stop(): Promise<void>;
}

export async function startKumoHarness(options: HarnessOptions = {}): Promise<KumoHarness> {
  const sink = await new SmtpSink(options.sink ?? {}).start();
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-kumo-'));
  const records: LogRecord[] = [];
  const logs: string[] = [];
  let mta: Mta;
  try {
    mta = await createMta({
      hostname: 'source.test', dataDir: dir, logger: (level, message) => void logs.push(`${level.toUpperCase()} ${message}`),
      smtp: { port: 0, relayNetworks: [parseCidr('127.0.0.0/8', 'relay')] }, http: { port: 0, ...options.http },
      ...(options.policy ? { policy: options.policy } : {}),
      plugins: [
        queuePlugin({ fsync: false, ...(options.smarthost === false ? {} : { smarthost: sink.address }) }),
        ...(options.lua ? [luaPolicyPlugin({ file: options.lua })] : []),
        { name: 'records', setup: () => ({ logConsumers: [(r: LogRecord) => void records.push(r)] }) },
        ...(options.plugins ?? []),
      ],
    });
  } catch (error) {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const base = `http://127.0.0.1:${mta.http?.port}`;
  return {
    mta, sink, records, logs, dir,
    api: async <T>(method: string, path: string, body?: unknown, init: { headers?: Record<string, string>; raw?: Buffer } = {}) => {
      const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
      const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...init.headers }, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // text endpoints (metrics, memory stats) stay text
      }
      return { status: res.status, body: parsed as T, headers: res.headers };
    },
    send: async (recipients, o = {}) => {
      const from = o.from ?? 'sender@example.com';
      const out: string[] = [];
      for (const to of recipients) {
        out.push(await sendOne(mta.smtp?.port as number, from, to, `From: <${from}>\r\nTo: <${to}>\r\nSubject: test\r\n${o.headers ?? ''}\r\n${o.body ?? 'hello from the kumo harness\r\n'}`));
      }
      return out;
    },
    session: async (use) => {
      const client = await RawSmtpClient.connect(mta.smtp?.port as number);
      try {
        await client.read();
        await client.command('EHLO client.test');
        return await use(client);
      } finally {
        client.close();
      }
    },
    waitForRecords: async (type, count = 1, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records.filter((r) => r.type === type);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`waited for ${count} ${type} record(s); have ${records.map((r) => r.type).join(', ') || 'none'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: async () => {
      await mta.stop();
      await sink.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
