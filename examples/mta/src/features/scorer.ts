import type { Feature, MtaContext } from './feature.js';

/** Placeholder: filled in by the scorer integration. */
export async function scorerFeature(_ctx: MtaContext): Promise<Feature> {
  return { name: 'scorer' };
}
