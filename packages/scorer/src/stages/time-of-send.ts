import { formatDuration } from '@mtakit/core';
import { LRUCache } from 'lru-cache';
import { RollingCounts } from '../rolling.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface TimeOfSendStageOptions {
  /** Default weight. Default 0.35. */
  weight?: number;
  /** Window in which volume is measured, ms. Default 15 minutes. */
  windowMs?: number;
  /** History kept per tenant, ms. Default 14 days (about 16 KiB per tenant). */
  historyMs?: number;
  /** A window this many times the tenant's usual peak is a burst. Default 3. */
  burstFactor?: number;
  /** The usual peak is never taken below this many messages per window. Default 100. */
  minPeak?: number;
  /** Messages per window that count as a burst for a tenant with no history. Default 1,000. */
  coldStartVolume?: number;
  /** History (messages) needed before hours are judged. Default 2,000. */
  minHourHistory?: number;
  /** An hour carrying less than this fraction of an even share (1/24) is unusual. Default 0.2. */
  rareHourShare?: number;
  /** Tenants tracked. Default 2,000. */
  maxTenants?: number;
}

interface History {
  volume: RollingCounts;
  /** Statistics of the past buckets, recomputed once per window. */
  stats?: { bucket: number; activeWindows: number; peak: number; byHour: number[]; total: number; days: number };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Time-of-send dimension: a volume burst against the tenant's usual peak (the 90th percentile of
 * its busy windows), and sending at an hour of the day (UTC) when the tenant rarely sends. Both
 * are relative to the tenant's own history, learned from the messages the scorer accepts.
 */
export function timeOfSendStage(options: TimeOfSendStageOptions = {}): Stage {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const historyMs = options.historyMs ?? 14 * DAY;
  const burstFactor = options.burstFactor ?? 3;
  const minPeak = options.minPeak ?? 100;
  const coldStart = options.coldStartVolume ?? 1_000;
  const minHourHistory = options.minHourHistory ?? 2_000;
  const rareShare = (options.rareHourShare ?? 0.2) / 24;
  const tenants = new LRUCache<string, History>({ max: options.maxTenants ?? 2_000 });
  const windowLabel = formatDuration(windowMs);

  const historyOf = (tenant: string): History => {
    let h = tenants.get(tenant);
    if (!h) tenants.set(tenant, (h = { volume: new RollingCounts(windowMs, historyMs, 1) }));
    return h;
  };

  const score = (input: StageInput): StageOutcome => {
    const s = new Signals();
    const h = tenants.get(input.tenant);
    const current = (h?.volume.lastBucketWindow(input.now, 0) ?? 0) + 1;
    const stats = h ? statsOf(h, input.now, windowMs) : undefined;
    if (stats && stats.activeWindows >= 8) {
      const peak = Math.max(stats.peak, minPeak);
      if (current >= burstFactor * peak) {
        s.add(Math.min(60, 30 * Math.log2(current / peak / (burstFactor / 2))),
          `${Math.round(current)} messages in the last ${windowLabel}, ${(current / peak).toFixed(1)}× the tenant's usual peak of ${Math.round(peak)}`,
          'Spread the campaign over time (or warm the volume up over several days).');
      }
    } else if (current >= coldStart) {
      s.add(30, `${Math.round(current)} messages in the last ${windowLabel} from a tenant with little sending history`, 'Warm up a new sender: start small and grow the volume over days.');
    }
    if (stats && stats.total >= minHourHistory && stats.days >= 3) {
      const hour = new Date(input.now).getUTCHours();
      const share = (stats.byHour[hour] ?? 0) / stats.total;
      if (share < rareShare) {
        s.add(share === 0 ? 25 : 15, `the tenant sends ${(share * 100).toFixed(1)}% of its mail at ${String(hour).padStart(2, '0')}:00 UTC`,
          'Send at the hours this audience usually receives mail from you.');
      }
    }
    return s.outcome();
  };

  return {
    name: 'time_of_send',
    scope: 'message',
    weight: options.weight ?? 0.35,
    run: score,
    observe(input) {
      historyOf(input.tenant).volume.add(input.now, 0);
    },
  };
}

function statsOf(h: History, now: number, windowMs: number): NonNullable<History['stats']> {
  const bucket = Math.floor(now / windowMs);
  if (h.stats?.bucket === bucket) return h.stats;
  const windows: number[] = [];
  const byHour = new Array<number>(24).fill(0);
  const days = new Set<number>();
  let total = 0;
  h.volume.forEachPast(now, 0, (start, count) => {
    windows.push(count);
    const hour = new Date(start).getUTCHours();
    byHour[hour] = (byHour[hour] ?? 0) + count;
    days.add(Math.floor(start / DAY));
    total += count;
  });
  windows.sort((a, b) => a - b);
  const peak = windows[Math.min(windows.length - 1, Math.floor(windows.length * 0.9))] ?? 0;
  h.stats = { bucket, activeWindows: windows.length, peak, byHour, total, days: days.size };
  return h.stats;
}
