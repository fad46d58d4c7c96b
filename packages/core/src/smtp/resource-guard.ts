import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import type { ExhaustedResource } from '../errors.js';

/** A refusal the listener sends when a resource runs short. */
export interface ResourceRefusal {
  code: 421 | 452;
  enhanced: '4.3.1' | '4.3.2';
  text: string;
  resource: ExhaustedResource | 'memory' | 'connections';
}

export interface ResourceGuardOptions {
  clock: Clock;
  /** Concurrent connections allowed (already capped by the descriptor budget). */
  maxConnections: number;
  /** Message bytes held in memory by all open transactions together (hard cap). */
  maxBytesInFlight: number;
  /** After a spool write failed for lack of space: refuse new transactions this long, then try again. */
  storageRetryMs?: number;
  /** Told when a resource runs out (at most every 10 s per resource) and when storage recovers, for a log line. */
  onChange?: (resource: ExhaustedResource | 'memory', exhausted: boolean) => void;
}

const STORAGE_FULL: ResourceRefusal = { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage, try again later', resource: 'storage' };
const NO_DESCRIPTORS: ResourceRefusal = { code: 421, enhanced: '4.3.2', text: 'System resources exhausted, try again later', resource: 'descriptors' };
const TOO_MANY: ResourceRefusal = { code: 421, enhanced: '4.3.2', text: 'Too many connections, try again later', resource: 'connections' };
const BUSY: ResourceRefusal = { code: 421, enhanced: '4.3.2', text: 'System busy, try again later', resource: 'memory' };
/** New transactions are shed from this share of the in-flight cap, so the cap itself is rarely hit. */
const SHED_RATIO = 0.75;
const REPORT_EVERY_MS = 10_000;

/**
 * What the listener refuses when disk, descriptors or memory run short: pure decisions with an
 * injected clock. A full disk refuses new transactions with 452 4.3.1 for `storageRetryMs`, then
 * lets the next one try again (and recovers on its own when it succeeds); connections over the
 * budget and transactions over the in-flight share get 421 4.3.2, which ends the session.
 */
export class ResourceGuard {
  readonly #options: Required<Omit<ResourceGuardOptions, 'onChange'>> & Pick<ResourceGuardOptions, 'onChange'>;
  #storageFullUntil = 0;
  #storageFull = false;
  #bytesInFlight = 0;
  readonly #reportedAt = new Map<string, number>();

  constructor(options: ResourceGuardOptions) {
    this.#options = { storageRetryMs: 2_000, ...options };
  }

  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }

  /** For a new connection, with `open` connections already counted in. */
  admitConnection(open: number): ResourceRefusal | undefined {
    return open > this.#options.maxConnections ? TOO_MANY : undefined;
  }

  /** For MAIL FROM. */
  admitTransaction(): ResourceRefusal | undefined {
    if (this.#storageFull && this.#options.clock.now() < this.#storageFullUntil) return STORAGE_FULL;
    if (this.#bytesInFlight >= this.#options.maxBytesInFlight * SHED_RATIO) return BUSY;
    return undefined;
  }

  /** Takes `bytes` of message data into memory; false (nothing taken) when that would pass the cap. */
  reserve(bytes: number): boolean {
    if (this.#bytesInFlight + bytes > this.#options.maxBytesInFlight) {
      this.#report('memory');
      return false;
    }
    this.#bytesInFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#bytesInFlight = Math.max(0, this.#bytesInFlight - bytes);
  }

  /** The reply for a message dropped because the in-flight cap was reached (see `reserve`). */
  shed(): ResourceRefusal {
    return BUSY;
  }

  /** A transaction could not be stored because `resource` ran out: the reply for it. */
  exhausted(resource: ExhaustedResource): ResourceRefusal {
    if (resource === 'descriptors') {
      this.#report('descriptors');
      return NO_DESCRIPTORS;
    }
    this.#storageFullUntil = this.#options.clock.now() + this.#options.storageRetryMs;
    if (!this.#storageFull) this.#report('storage');
    this.#storageFull = true;
    return STORAGE_FULL;
  }

  /** A transaction was stored: whatever was full is not any more. */
  stored(): void {
    if (!this.#storageFull) return;
    this.#storageFull = false;
    this.#reportedAt.delete('storage');
    this.#options.onChange?.('storage', false);
  }

  #report(resource: ExhaustedResource | 'memory'): void {
    const now = this.#options.clock.now();
    const last = this.#reportedAt.get(resource);
    if (last !== undefined && now - last < REPORT_EVERY_MS) return;
    this.#reportedAt.set(resource, now);
    this.#options.onChange?.(resource, true);
  }
}

/** The soft RLIMIT_NOFILE of this process (from /proc/self/limits), or undefined where unknown. */
export function openFilesLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/** What a listener may hold given RLIMIT_NOFILE (see `descriptorBudget`). */
export interface DescriptorBudget {
  /** Sessions admitted; past it clients get 421 4.3.2. */
  connections: number;
  /**
   * Sockets accepted at all (net.Server#maxConnections): those between `connections` and this are
   * answered 421 and closed at once; past it the kernel's connection is closed without a word,
   * so a burst cannot eat the descriptors the spool and logs need.
   */
  accepted: number;
}

/**
 * A quarter of RLIMIT_NOFILE (at least 64) is kept for the spool, logs, egress connections and
 * DNS; half of that reserve may hold sockets that are being refused.
 */
export function descriptorBudget(openFiles: number | undefined): DescriptorBudget | undefined {
  if (openFiles === undefined) return undefined;
  const reserve = Math.max(64, Math.ceil(openFiles / 4));
  const connections = Math.max(16, openFiles - reserve);
  return { connections, accepted: Math.max(connections, openFiles - Math.ceil(reserve / 2)) };
}
