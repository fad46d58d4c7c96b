import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { program } from '../src/cli.js';
import { repoRoot, startMtaProcess, type MtaProcess } from '../../../packages/tests/src/helpers/mta-process.js';

const bin = join(repoRoot, 'examples/mta/bin/mtakit.mjs');
/** The example's own commander (this package may resolve another copy). */
type Command = ReturnType<typeof program>;
const samples = join(repoRoot, 'packages/bounce/src/samples/messages');
const scratch = mkdtempSync(join(tmpdir(), 'mtakit-bounce-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the real `mtakit` command as a child process (without blocking this one). */
function mtakit(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('mtakit bounce', () => {
  it('parse prints one JSON object per reported recipient, from DSNs and ARF reports alike', async () => {
    const r = await mtakit(['bounce', 'parse', join(samples, 'postfix-two-recipients.eml'), join(samples, 'arf-opt-out.eml')]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const dsn = JSON.parse(readFileSync(join(samples, 'postfix-two-recipients.expect.json'), 'utf8')) as { recipients: Array<Record<string, unknown>>; correlation: Record<string, unknown> };
    expect(out).toHaveLength(dsn.recipients.length + 1);
    dsn.recipients.forEach((want, i) => {
      expect(out[i]).toMatchObject({
        file: join(samples, 'postfix-two-recipients.eml'), type: 'OOB', recipient: want['recipient'], status: want['status'], category: want['category'], permanent: want['permanent'],
        queue_id: dsn.correlation['id'], tenant: dsn.correlation['tenant'], campaign: dsn.correlation['campaign'],
      });
      expect(out[i]?.['rule']).toEqual(expect.objectContaining({ kind: expect.any(String) }));
      expect(out[i]?.['remote_mta']).toBe(want['remote_mta']);
    });
    expect(out.at(-1)).toMatchObject({ type: 'Feedback', recipient: 'leaving@aol.com', action: 'opt-out', category: 'FeedbackReport', tenant: 'initech' });
  });

  it('parse --jsonl reads a directory in one process: one line per record, a line per file that is no report, exit 1 at the end', async () => {
    const dir = join(scratch, 'mailbox');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    copyFileSync(join(samples, 'postfix-two-recipients.eml'), join(dir, 'a.eml'));
    copyFileSync(join(samples, 'arf-opt-out.eml'), join(dir, 'sub', 'b.eml'));
    writeFileSync(join(dir, 'c.eml'), 'From: a@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n');
    const r = await mtakit(['bounce', 'parse', '--jsonl', dir]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [String(l['file']).slice(dir.length + 1), l['recipient'] ?? (l['error'] as { code: string }).code, l['extractor'] ?? null])).toEqual([
      ['a.eml', 'someone@example.org', 'rfc3464'],
      ['a.eml', 'info@example-shop.invalid', 'rfc3464'],
      ['c.eml', 'E_MESSAGE', null],
      ['sub/b.eml', 'leaving@aol.com', 'arf'],
    ]);
  });

  it('classify prints category, hard/soft and the rule, with rule files tried first', async () => {
    const rules = join(scratch, 'local.toml');
    writeFileSync(rules, '[rules]\nMailboxRetired = ["(?i)mailbox retired"]\n');
    const r = await mtakit(['bounce', 'classify', '--rules', rules, '--', '550', '5.2.1', 'This mailbox retired last year']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      response: '550 5.2.1 This mailbox retired last year', category: 'MailboxRetired', hard: true,
      rule: { kind: 'rule', source: rules, ref: 'rules.MailboxRetired[0]', index: 0, pattern: '(?i)mailbox retired' },
    });
  });

  it('exits 1 with a clear message on unreadable input, a message that is no report, a non-reply, an MTA out of reach', async () => {
    const plain = join(scratch, 'hello.eml');
    writeFileSync(plain, 'From: a@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n');
    const runs = await Promise.all([
      mtakit(['bounce', 'parse', join(scratch, 'missing.eml')]),
      mtakit(['bounce', 'parse', plain]),
      mtakit(['bounce', 'classify', 'user unknown']),
      mtakit(['suppression', 'import', join(scratch, 'nope.csv'), '--url', 'http://127.0.0.1:9']),
      mtakit(['suppression', 'list', '--url', 'http://127.0.0.1:9']),
    ]);
    const messages = [
      /E_NOT_FOUND: cannot read .*missing\.eml: no such file/,
      /E_MESSAGE: .*hello\.eml: not a bounce or feedback report/,
      /E_SMTP_REPLY: not an SMTP reply: "user unknown"/,
      /E_NOT_FOUND: cannot read .*nope\.csv: no such file/,
      /E_CONNECTION: cannot reach the MTA at http:\/\/127\.0\.0\.1:9/,
    ];
    runs.forEach((r, i) => {
      expect(r).toMatchObject({ status: 1, stdout: '' });
      expect(r.stderr).toMatch(messages[i] as RegExp);
    });
  });
});

describe('every bounce and suppression command has --help', () => {
  const commands = (cmd: Command): Command[] => cmd.commands.flatMap((c) => [c, ...commands(c)]);
  it('describes itself, its arguments and options', () => {
    const cli = program();
    const ours = cli.commands.filter((c) => ['bounce', 'suppression'].includes(c.name())).flatMap((c) => [c, ...commands(c)]);
    expect(ours.map((c) => c.name()).sort()).toEqual(['add', 'bounce', 'check', 'classify', 'export', 'import', 'list', 'parse', 'remove', 'suppression']);
    for (const c of ours) {
      expect(c.description(), c.name()).not.toBe('');
      expect(c.helpInformation()).toMatch(/^Usage: /);
      if (c.parent?.name() === 'suppression') expect(c.helpInformation()).toMatch(/--url <url>/);
    }
  });
});

describe('mtakit suppression, against a running MTA', () => {
  let mta: MtaProcess;
  const dataDir = join(scratch, 'mta');
  const url = () => ['--url', `http://127.0.0.1:${mta.httpPort}`];

  beforeAll(async () => {
    mta = await startMtaProcess({ MTAKIT_DATA_DIR: dataDir, MTAKIT_FSYNC: 'false', MTAKIT_SMARTHOST: '127.0.0.1:9' });
  });
  afterAll(() => mta?.kill('SIGTERM'));

  it('adds, lists, checks, exports, imports and removes entries', async () => {
    const add = await mtakit(['suppression', 'add', 'Jane@Example.net', 'bob@example.org', '--tenant', 'acme', '--reason', 'complaint', '--note', 'called us', ...url()]);
    expect(add).toMatchObject({ status: 0, stdout: '{"added":2}\n' });

    const pmta = join(scratch, 'acct.csv');
    writeFileSync(pmta, [
      'type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat',
      'b,2026-02-01 10:00:01+0000,news@example.com,gone@example.net,5.1.1,smtp;550 5.1.1 User unknown,bad-mailbox',
      'b,2026-02-01 10:00:02+0000,news@example.com,blocked@example.net,5.7.1,smtp;554 5.7.1 blocked,policy-related',
      '',
    ].join('\r\n'));
    const imported = await mtakit(['suppression', 'import', pmta, ...url()]);
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({ imported: 1, skipped: 1, format: 'pmta' });
    expect(imported.stderr).toContain('skipped row 3: bounce category PolicyRelated is not about the address');

    const [list, table, check, notThere, exported] = await Promise.all([
      mtakit(['suppression', 'list', '--json', ...url()]),
      mtakit(['suppression', 'list', '--tenant', 'acme', ...url()]),
      mtakit(['suppression', 'check', 'jane@example.net', '--tenant', 'acme', ...url()]),
      mtakit(['suppression', 'check', 'jane@example.net', '--tenant', 'globex', ...url()]),
      mtakit(['suppression', 'export', '--format', 'pmta', '--global', ...url()]),
    ]);
    expect((JSON.parse(list.stdout) as Array<{ recipient: string; tenant: string | null; reason: string }>).map((e) => `${e.tenant ?? '*'} ${e.recipient} ${e.reason}`).sort())
      .toEqual(['* gone@example.net bounce', 'acme bob@example.org complaint', 'acme jane@example.net complaint']);
    expect(table.stdout).toMatch(/^RECIPIENT\s+TENANT\s+REASON\s+CATEGORY\s+CREATED\s+EXPIRES\s+NOTE\n/);
    expect(table.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')).sort()).toEqual(['bob@example.org acme complaint', 'jane@example.net acme complaint']);
    expect(check.status).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ suppressed: true, entry: { note: 'called us', source_type: 'cli' } });
    expect(notThere.status).toBe(2);
    expect(exported.stdout).toBe('type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat,feedbackType\r\nb,2026-02-01 10:00:01+0000,,gone@example.net,5.1.1,smtp;550 5.1.1 User unknown,bad-mailbox,\r\n');

    expect(await mtakit(['suppression', 'remove', 'jane@example.net', '--tenant', 'acme', ...url()])).toMatchObject({ status: 0, stdout: '{"removed":1}\n' });
    expect((await mtakit(['suppression', 'check', 'jane@example.net', '--tenant', 'acme', ...url()])).status).toBe(2);
  });
});
