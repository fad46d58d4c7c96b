import { systemClock, type Clock } from '../clock.js';
import { MtaKitError } from '../errors.js';

/** What `GET /api/check-health/v1` shows of one outside store. */
export interface OutsideStoreReport {
  /** e.g. `shaping`, `suppression`. */
  readonly name: string;
  readonly up: boolean;
  /** When the store last went up or down (RFC 3339). */
  readonly since: string;
  /** Why it is down (the last connection error); absent while up. */
  readonly error?: string;
  /** What the MTA does while the store is down. */
  readonly degradedMode: string;
}

export interface OutsideStoreStatusOptions {
  /** What the MTA does while the store is down (shown in health and in the log line). */
  degradedMode: string;
  /** Told once per change (down, back up), never once per failed command or reconnection. */
  onChange?: (status: OutsideStoreStatus) => void;
  clock?: Clock;
}

/**
 * Whether an outside store (Redis…) is reachable, as its client last saw it. Stores mark it down
 * on a connection error and up when the connection is ready again; callers read `up` to skip a
 * store known to be down instead of waiting for a timeout on every call.
 */
export class OutsideStoreStatus {
  readonly name: string;
  readonly degradedMode: string;
  #up = true;
  #since: number;
  #error: string | undefined;
  readonly #clock: Clock;
  readonly #onChange: ((status: OutsideStoreStatus) => void) | undefined;

  constructor(name: string, options: OutsideStoreStatusOptions) {
    this.name = name;
    this.degradedMode = options.degradedMode;
    this.#clock = options.clock ?? systemClock;
    this.#since = this.#clock.now();
    this.#onChange = options.onChange;
  }

  get up(): boolean {
    return this.#up;
  }

  /** The last connection error while down. */
  get error(): string | undefined {
    return this.#error;
  }

  markDown(error: Error | string): void {
    this.#error = typeof error === 'string' ? error : error.message || String(error);
    if (!this.#up) return;
    this.#up = false;
    this.#since = this.#clock.now();
    this.#onChange?.(this);
  }

  markUp(): void {
    if (this.#up) return;
    this.#up = true;
    this.#error = undefined;
    this.#since = this.#clock.now();
    this.#onChange?.(this);
  }

  report(): OutsideStoreReport {
    return {
      name: this.name, up: this.#up, since: new Date(this.#since).toISOString(),
      ...(this.#error !== undefined && !this.#up ? { error: this.#error } : {}), degradedMode: this.degradedMode,
    };
  }
}

/** The outside stores an MTA uses, for its health endpoint and metrics. */
export class OutsideStores {
  readonly #all: OutsideStoreStatus[] = [];
  readonly #options: { onChange?: (status: OutsideStoreStatus) => void; clock?: Clock };

  /** `onChange` hears every store going down or coming back (log it). */
  constructor(options: { onChange?: (status: OutsideStoreStatus) => void; clock?: Clock } = {}) {
    this.#options = options;
  }

  /** A new store's status, registered here. */
  status(name: string, degradedMode: string): OutsideStoreStatus {
    const status = new OutsideStoreStatus(name, { degradedMode, ...this.#options });
    this.#all.push(status);
    return status;
  }

  list(): readonly OutsideStoreStatus[] {
    return this.#all;
  }

  /** Names of the stores that are down now. */
  down(): string[] {
    return this.#all.filter((s) => !s.up).map((s) => s.name);
  }
}

/** The events `watchConnection` listens to (an ioredis client has them). */
export interface ConnectionEvents {
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/**
 * Keeps `status` in step with a client's connection. Registering the `error` listener is also
 * what stops ioredis from printing "Unhandled error event" at every failed reconnection.
 */
export function watchConnection(client: ConnectionEvents, status: OutsideStoreStatus): void {
  client.on('ready', () => status.markUp());
  client.on('error', (error) => status.markDown(error));
}

/** A client a store connects itself (an ioredis client has this shape). */
export interface ConnectableClient extends ConnectionEvents {
  connect(): Promise<unknown>;
  disconnect(): void;
}

/** See `firstConnection`. */
export interface FirstConnection {
  /** Settles (never rejects) once the first attempt is over: commands wait for it, then fail fast if it failed. */
  readonly settled: Promise<void>;
  /**
   * Resolves once the first connection is up; rejects with E_CONNECTION naming `what` and the
   * server (password hidden), and drops the client, so a required store can fail the start.
   */
  connect(): Promise<void>;
}

/**
 * Starts the first connection of a store's client. A client the store made itself (`owned`) gets
 * an error listener (connection trouble reaches callers as errors of their commands); `status`,
 * when given, follows the connection.
 */
export function firstConnection(client: ConnectableClient, options: { owned: boolean; what: string; url: string | undefined; status?: OutsideStoreStatus | undefined }): FirstConnection {
  let lastError: Error | undefined;
  if (options.owned) client.on('error', (error) => (lastError = error));
  if (options.status) watchConnection(client, options.status);
  const attempt = options.owned ? client.connect().then(() => undefined) : Promise.resolve();
  const settled = attempt.catch(() => undefined);
  return {
    settled,
    async connect() {
      try {
        await attempt;
      } catch (error) {
        client.disconnect();
        const where = options.url === undefined ? 'the given client' : redactedUrl(options.url);
        throw new MtaKitError('E_CONNECTION', `${options.what}: cannot connect to ${where}: ${(lastError ?? (error as Error)).message}`, { cause: error });
      }
    },
  };
}

export interface FailFastOptions {
  /** How long a connection attempt may take. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** How long one command may wait for its answer. Default 2000 ms. */
  commandTimeoutMs?: number;
}

/**
 * ioredis options for a store that must never hold the MTA up: connecting is explicit (so a
 * store that is required can fail the start), connection and command time out, commands issued
 * while disconnected fail at once instead of queueing without bound, and reconnection goes on
 * forever at most every 2 s, so the store comes back by itself.
 */
export function failFastRedisOptions(options: FailFastOptions = {}): {
  lazyConnect: true; connectTimeout: number; commandTimeout: number; enableOfflineQueue: false;
  maxRetriesPerRequest: 0; retryStrategy: (attempt: number) => number;
} {
  return {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
}

/** A store URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
