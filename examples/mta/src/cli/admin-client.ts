import { Option, type Command } from 'commander';
import { MtaKitError } from '@mtakit/core';

export interface AdminClientOptions {
  /** Base URL of the MTA's HTTP listener. Default: http://<MTAKIT_HTTP_LISTEN> or http://127.0.0.1:8025. */
  url?: string | undefined;
  /** `user:password` for HTTP Basic (clients outside trusted_hosts). */
  credentials?: string | undefined;
}

/** A small client for the admin HTTP API, used by the `mtakit queue …` commands. */
export class AdminClient {
  readonly #base: string;
  readonly #auth: string | undefined;

  constructor(options: AdminClientOptions = {}) {
    this.#base = (options.url ?? `http://${process.env['MTAKIT_HTTP_LISTEN'] ?? '127.0.0.1:8025'}`).replace(/\/$/, '');
    const credentials = options.credentials ?? process.env['MTAKIT_ADMIN_CREDENTIALS'];
    this.#auth = credentials ? `Basic ${Buffer.from(credentials).toString('base64')}` : undefined;
  }

  /** What to do about an HTTP error, where the status says it. */
  #hint(status: number): string {
    if (status === 401 || status === 403) {
      return this.#auth
        ? ' — the MTA refused these credentials: check --credentials / MTAKIT_ADMIN_CREDENTIALS against a user:password of its MTAKIT_ADMIN_USERS'
        : ` — this client is outside the MTA's MTAKIT_TRUSTED_HOSTS: pass --credentials user:password (or set MTAKIT_ADMIN_CREDENTIALS) with a user of its MTAKIT_ADMIN_USERS`;
    }
    return '';
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.#auth ? { authorization: this.#auth } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new MtaKitError('E_CONNECTION', `cannot reach the MTA at ${this.#base}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown = {};
    try {
      if (text) parsed = JSON.parse(text);
    } catch {
      throw new MtaKitError('E_CONNECTION', `${method} ${path}: HTTP ${response.status} without JSON from ${this.#base}: is it an mtakit HTTP listener (--url, MTAKIT_HTTP_LISTEN)?`);
    }
    if (!response.ok) {
      const message = (parsed as { error?: string }).error ?? text;
      throw new MtaKitError(response.status === 404 ? 'E_NOT_FOUND' : response.status === 401 || response.status === 403 ? 'E_CONFIG' : 'E_INTERNAL', `${method} ${path}: HTTP ${response.status}: ${message}${this.#hint(response.status)}`);
    }
    return parsed as T;
  }
}

/** Renders rows as an aligned text table. */
export function table(rows: ReadonlyArray<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => format(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function format(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Adds `--url`, `--credentials` and `--json` (print the API's JSON, where a table is the default) to every subcommand of an admin command group. */
export function withAdminOptions(group: Command): Command {
  for (const c of group.commands) {
    c.addOption(new Option('--url <url>', "the MTA's HTTP listener (default http://$MTAKIT_HTTP_LISTEN or http://127.0.0.1:8025)"));
    c.addOption(new Option('--credentials <user:password>', 'HTTP Basic credentials (or MTAKIT_ADMIN_CREDENTIALS)'));
    if (!c.options.some((o) => o.long === '--json')) c.addOption(new Option('--json', 'print JSON'));
  }
  return group;
}

/** The admin client for a command run with the options `withAdminOptions` added. */
export function adminClientFor(cmd: Command): AdminClient {
  const o = cmd.optsWithGlobals<{ url?: string; credentials?: string }>();
  return new AdminClient({ url: o.url, credentials: o.credentials });
}
