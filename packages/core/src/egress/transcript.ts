import { format } from 'node:util';

type LogFn = (entry: { tnx?: string }, message: unknown, ...args: unknown[]) => void;

/**
 * A bunyan-style logger for nodemailer's SMTP connection that records the conversation:
 * `C: ` lines sent, `S: ` lines received, `* ` connection events (connect, TLS, close). Message data
 * is never recorded (the connection logs only commands and replies). Memory stays bounded on a
 * long-lived connection: only the session preamble and the current transaction are kept.
 */
export class Transcript {
  #preamble: string[] | undefined;
  #lines: string[] = [];

  readonly logger: Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', LogFn>;

  constructor() {
    const add: LogFn = (entry, message, ...args) => this.#add(entry.tnx, message, args);
    this.logger = { trace: () => undefined, debug: add, info: add, warn: add, error: add, fatal: add };
  }

  /** Marks the start of a new transaction (MAIL FROM); earlier transaction lines are dropped. */
  startTransaction(): void {
    this.#preamble ??= this.#lines;
    this.#lines = [];
  }

  /** Connect, banner, EHLO and STARTTLS lines. */
  preamble(): string[] {
    return this.#preamble ?? this.#lines;
  }

  /** Lines of the current transaction (or of the session so far, before any transaction). */
  current(): string[] {
    return this.#preamble ? this.#lines : [];
  }

  #add(tnx: string | undefined, message: unknown, args: unknown[]): void {
    // Commands and replies come without arguments, and most of the rest as ('%s', text): neither
    // needs util.format (eight lines per message on a reused connection).
    const text = args.length === 0 ? String(message)
      : args.length === 1 && message === '%s' && typeof args[0] === 'string' ? args[0]
        : format(String(message), ...args);
    const prefix = tnx === 'client' ? 'C: ' : tnx === 'server' ? 'S: ' : '* ';
    if (!text.includes('\n')) this.#lines.push(prefix + text);
    else for (const line of text.split(/\r?\n/)) this.#lines.push(prefix + line);
  }
}
