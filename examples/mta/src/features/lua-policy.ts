import type { Feature, MtaContext } from './feature.js';

/** Placeholder: filled in by the lua-policy integration. */
export async function luaPolicyFeature(_ctx: MtaContext): Promise<Feature> {
  return { name: 'lua-policy' };
}
