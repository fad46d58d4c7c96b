import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { MtaKitError, parseDuration } from '@mtakit/core';
import type { SuppressionEntry } from '@mtakit/bounce/suppression';
import { adminClientFor, table, withAdminOptions, type AdminClient } from './admin-client.js';
import { readInput } from './bounce.js';

const API = '/api/admin/suppression/v1';
/** Entries per request when importing and listing: well under the HTTP listener's 10 MiB body limit. */
const BATCH = 10_000;

interface ScopeFlags {
  tenant?: string;
  global?: boolean;
  reason?: string;
  recipient?: string;
}

/**
 * `mtakit suppression …`: the suppression list of a running MTA, through its admin HTTP API (so
 * the MTA's own store, journal or Redis, stays the only writer).
 */
export function suppressionCommand(): Command {
  const suppression = new Command('suppression').description('list, add, remove, import and export suppressed recipients of a running MTA (admin HTTP API)');

  withScope(suppression.command('list').description('print the entries (a table, or JSON with --json)'))
    .option('--limit <n>', 'at most this many entries', '100')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: ScopeFlags & { limit: string; json?: boolean }, cmd: Command) => {
      const entries = await fetchEntries(adminClientFor(cmd), o, positiveInt(o.limit, '--limit'));
      if (o.json) return print(JSON.stringify(entries, null, 2));
      print(table(entries.map((e) => ({ ...e, tenant: e.tenant ?? '(global)', created: iso(e.created), expires: e.expires === null ? 'never' : iso(e.expires) })),
        ['recipient', 'tenant', 'reason', 'category', 'created', 'expires', 'note']));
    });

  suppression
    .command('check <recipient>')
    .description('is this recipient suppressed (for a tenant)? exit code 0 = suppressed, 2 = not')
    .option('--tenant <tenant>', 'the sending tenant (global entries apply to every tenant)')
    .action(async (recipient: string, o: { tenant?: string }, cmd: Command) => {
      const r = await adminClientFor(cmd).request<{ suppressed: boolean; entry?: SuppressionEntry }>('GET', `${API}/check?${query({ recipient, tenant: o.tenant })}`);
      print(JSON.stringify(r, null, 2));
      if (!r.suppressed) process.exitCode = 2;
    });

  suppression
    .command('add <recipients...>')
    .description('suppress recipients')
    .option('--tenant <tenant>', 'for this tenant only (default: global)')
    .option('--reason <reason>', 'bounce, soft-bounce, complaint, unsubscribe or manual', 'manual')
    .option('--category <category>', 'a bounce category, e.g. InvalidRecipient')
    .option('--expires <when>', 'a duration from now ("90 days"), a time (RFC 3339), or "never" (default: the MTA\'s policy for the reason)')
    .option('--note <text>', 'why')
    .action(async (recipients: string[], o: { tenant?: string; reason: string; category?: string; expires?: string; note?: string }, cmd: Command) => {
      const expires = o.expires === undefined ? undefined : await expiresAt(o.expires);
      const entries = recipients.map((recipient) => ({
        recipient, reason: o.reason, ...(o.tenant ? { tenant: o.tenant } : {}), ...(o.category ? { category: o.category } : {}),
        ...(o.note ? { note: o.note } : {}), ...(expires !== undefined ? { expires } : {}), source_type: 'cli',
      }));
      print(JSON.stringify(await adminClientFor(cmd).request('POST', `${API}/add`, { entries })));
    });

  suppression
    .command('remove <recipients...>')
    .description('lift suppressions (the global entry, or the tenant\'s with --tenant)')
    .option('--tenant <tenant>', 'remove the entries of this tenant')
    .action(async (recipients: string[], o: { tenant?: string }, cmd: Command) => {
      print(JSON.stringify(await adminClientFor(cmd).request('POST', `${API}/remove`, { entries: recipients.map((recipient) => ({ recipient, tenant: o.tenant ?? null })) })));
    });

  suppression
    .command('import <file>')
    .description('import a CSV: mtakit columns, a PowerMTA accounting file (bounce and feedback records), or one address per line')
    .addOption(new Option('--format <format>', 'the file\'s shape (default: detected from the header)').choices(['auto', 'mtakit', 'pmta', 'lines']).default('auto'))
    .option('--tenant <tenant>', 'scope of rows that name none (default: global)')
    .option('--reason <reason>', 'reason of plain address lists', 'manual')
    .addHelpText('after', '\nRows that cannot be used are counted and the first ones printed on stderr; "-" reads standard input.\n')
    .action(async (file: string, o: { format: string; tenant?: string; reason: string }, cmd: Command) => {
      const { csvRow, parseCsv } = await suppressionLibrary();
      const rows = parseCsv((await readInput(file)).toString('utf8'));
      if (rows.length === 0) throw new MtaKitError('E_MESSAGE', `${file}: no rows`);
      const api = adminClientFor(cmd);
      const [header, ...body] = rows as [string[], ...string[][]];
      const hasHeader = !(header.length === 1 && (header[0] ?? '').includes('@'));
      const data = hasHeader ? body : rows;
      const total = { imported: 0, skipped: 0, format: '' };
      const skipped: Array<{ row: number; reason: string }> = [];
      for (let i = 0; i < Math.max(data.length, 1); i += BATCH) {
        const chunk = `${hasHeader ? csvRow(header) : ''}${data.slice(i, i + BATCH).map((r) => csvRow(r)).join('')}`;
        const r = await api.request<{ format: string; imported: number; skipped: number; skipped_rows: Array<{ row: number; reason: string }> }>('POST', `${API}/import`, {
          csv: chunk, format: o.format, reason: o.reason, ...(o.tenant ? { tenant: o.tenant } : {}),
        });
        total.format = r.format;
        total.imported += r.imported;
        total.skipped += r.skipped;
        // Rows are numbered per request; renumber them for the whole file.
        skipped.push(...r.skipped_rows.map((s) => ({ row: s.row + i, reason: s.reason })));
      }
      for (const s of skipped.slice(0, 20)) process.stderr.write(`skipped row ${s.row}: ${s.reason}\n`);
      if (total.skipped > 20) process.stderr.write(`… and ${total.skipped - 20} more skipped rows\n`);
      print(JSON.stringify(total));
    });

  withScope(suppression.command('export').description('write the entries as CSV (to stdout, or --output)'))
    .addOption(new Option('--format <format>', 'mtakit columns or a PowerMTA accounting file').choices(['mtakit', 'pmta']).default('mtakit'))
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (o: ScopeFlags & { format: 'mtakit' | 'pmta'; output?: string }, cmd: Command) => {
      const csv = (await suppressionLibrary()).exportSuppressionCsv(await fetchEntries(adminClientFor(cmd), o, Number.POSITIVE_INFINITY), o.format);
      if (o.output) await writeFile(o.output, csv);
      else process.stdout.write(csv);
    });

  return withAdminOptions(suppression);
}

function withScope(cmd: Command): Command {
  return cmd
    .option('--tenant <tenant>', 'only this tenant\'s entries')
    .option('--global', 'only global entries')
    .option('--reason <reason>', 'only entries with this reason')
    .option('--recipient <address>', 'only this recipient');
}

/** Pages through `list` (the API's export is the same data as text). */
async function fetchEntries(api: AdminClient, o: ScopeFlags, limit: number): Promise<SuppressionEntry[]> {
  const entries: SuppressionEntry[] = [];
  let offset: number | null = 0;
  while (offset !== null && entries.length < limit) {
    const page = Math.min(BATCH, limit - entries.length);
    const r: { entries: SuppressionEntry[]; next: number | null } = await api.request('GET', `${API}/list?${query({
      tenant: o.tenant, global: o.global ? '1' : undefined, reason: o.reason, recipient: o.recipient, limit: String(page), offset: String(offset),
    })}`);
    entries.push(...r.entries);
    offset = r.next;
  }
  return entries;
}

function query(params: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(params).filter((kv): kv is [string, string] => kv[1] !== undefined)).toString();
}

/** @mtakit/bounce's suppression list, loaded when a command needs it (`mtakit --help` needs none of it). */
function suppressionLibrary(): Promise<typeof import('@mtakit/bounce/suppression')> {
  return import('@mtakit/bounce/suppression');
}

async function expiresAt(text: string): Promise<number | null> {
  if (text === 'never') return null;
  if (/^\d{4}-\d\d-\d\d/.test(text)) return (await suppressionLibrary()).parseTime(text) as number;
  return Date.now() + parseDuration(text);
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new MtaKitError('E_CONFIG', `${name} ${JSON.stringify(text)}: must be a positive integer`);
  return n;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
