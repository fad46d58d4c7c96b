/**
 * A compressed log segment is a sequence of independent zstd frames, each holding whole JSON
 * lines (about 1 MiB of them), with a sidecar index that says where each frame is and what it
 * holds. A query reads the index and decompresses only the frames whose time span and tenants can
 * match, so asking for one tenant's hour out of a day of logs touches a few frames, not the day.
 */
export interface FrameInfo {
  offset: number;
  length: number;
  records: number;
  /** Unix seconds of the earliest and latest record in the frame. */
  minTs: number;
  maxTs: number;
  /** Tenants seen in the frame, or null when there were more than `MAX_TENANTS` (then: may hold any). */
  tenants: string[] | null;
}

export interface SegmentIndex {
  version: 1;
  rawBytes: number;
  frames: FrameInfo[];
}

export const MAX_TENANTS = 64;
const TIMESTAMP = /"timestamp":(\d+)/;
const TENANT = /"tenant":"((?:[^"\\]|\\.)*)"/;

/** What one line adds to its frame's index entry (read by pattern, without parsing the JSON). */
export function noteLine(frame: FrameInfo, line: string): void {
  const ts = Number(TIMESTAMP.exec(line)?.[1] ?? Number.NaN);
  if (Number.isFinite(ts)) {
    frame.minTs = Math.min(frame.minTs, ts);
    frame.maxTs = Math.max(frame.maxTs, ts);
  }
  frame.records += 1;
  if (frame.tenants === null) return;
  const tenant = TENANT.exec(line)?.[1] ?? '';
  if (!frame.tenants.includes(tenant)) {
    frame.tenants.push(tenant);
    if (frame.tenants.length > MAX_TENANTS) frame.tenants = null;
  }
}

export function emptyFrame(offset: number): FrameInfo {
  return { offset, length: 0, records: 0, minTs: Number.POSITIVE_INFINITY, maxTs: Number.NEGATIVE_INFINITY, tenants: [] };
}

/** Whether a frame can hold records of `tenant` between `from` and `to` (unix seconds, inclusive). */
export function frameMayMatch(frame: FrameInfo, from: number, to: number, tenant: string | undefined): boolean {
  if (frame.records === 0 || frame.maxTs < from || frame.minTs > to) return false;
  return tenant === undefined || frame.tenants === null || frame.tenants.includes(tenant);
}
