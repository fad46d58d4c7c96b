import type { Logger } from '@mtakit/core';
import { readShapingFile, type ShapingSource } from '../rules/loader.js';

/**
 * KumoMTA's community shaping file writes its Gmail rules under `[provider."gmail"]` with no
 * `match`, so they never apply; when a loaded file does that, this overlay gives the provider
 * Google's MX hosts (the two lines docs/shaping.md suggests).
 */
const GMAIL_PROVIDER_MATCH: ShapingSource = {
  name: 'mtakit:gmail-provider-match',
  document: { provider: { gmail: { match: [{ MXSuffix: '.google.com' }] } } },
};

/** Reads the files (each once) and adds the Gmail overlay when one of them needs it. */
export async function shapingSources(files: readonly string[], logger: Logger): Promise<ShapingSource[]> {
  const sources: ShapingSource[] = [];
  for (const file of files) sources.push({ name: file, document: await readShapingFile(file) });
  const needing = sources.filter((s) => typeof s !== 'string' && gmailProviderLacksMatch(s.document));
  if (needing.length === 0) return sources;
  logger('info', `shaping: [provider."gmail"] in ${needing.map((s) => (s as { name: string }).name).join(', ')} has no match; adding match = [{MXSuffix = ".google.com"}] so its rules apply`);
  return [...sources, GMAIL_PROVIDER_MATCH];
}

function gmailProviderLacksMatch(document: unknown): boolean {
  const gmail = table(table(document)?.['provider'])?.['gmail'];
  return table(gmail) !== undefined && table(gmail)?.['match'] === undefined;
}

function table(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
