import { ContentModel } from './model/model.js';

/**
 * The shipped content model. Resolved from this module's URL, which sits one directory below the
 * package root both as source (`src/`) and once bundled (`dist/`), so one relative path serves both.
 */
export const CONTENT_MODEL_FILE = new URL('../model/content-model.bin', import.meta.url);

let shipped: ContentModel | undefined;

/** The shipped model, read on first use. */
export function shippedContentModel(): ContentModel {
  shipped ??= ContentModel.read(CONTENT_MODEL_FILE);
  return shipped;
}
