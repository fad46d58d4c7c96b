import type { StageInput } from './types.js';

/** Key of the campaign an evaluation belongs to, for per-campaign state. */
export function campaignKey(input: Pick<StageInput, 'tenant' | 'campaign'>): string {
  return `${input.tenant}\u0000${input.campaign}`;
}
