import type { Feature, MtaContext } from './feature.js';

/** Placeholder: filled in by the bounces integration. */
export async function bouncesFeature(_ctx: MtaContext): Promise<Feature> {
  return { name: 'bounces' };
}
