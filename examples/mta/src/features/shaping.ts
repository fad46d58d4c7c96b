import type { Feature, MtaContext } from './feature.js';

/** Placeholder: filled in by the shaping integration. */
export async function shapingFeature(_ctx: MtaContext): Promise<Feature> {
  return { name: 'shaping' };
}
