/**
 * Bounces reach a parser second-hand too: forwarded inline by a user (every line quoted with
 * "> ") or copied from an HTML view, where each address became a link ("[<a@b>](mailto:a@b)",
 * "a@b <mailto:a@b>"). Both hide the report's own layout from the extractors; this undoes them.
 */
export function unwrapForwardedText(text: string): string {
  const lines = text.split(/\r?\n/);
  const filled = lines.filter((l) => l.trim() !== '');
  // Only a text quoted whole: a reply that quotes a bounce under its own words stays a reply.
  const quoted = filled.length > 0 && filled.every((l) => /^\s*>/.test(l));
  const body = quoted ? lines.map((l) => l.replace(/^\s*> ?/, '')).join('\n') : text;
  // Bounded runs: a report is written by whoever sends it, and must not make these backtrack.
  if (!body.includes('mailto:')) return body;
  return body
    .replace(/\[([^[\]\n]{1,320})\]\(mailto:[^)\s]{1,320}\)/gi, '$1')
    .replace(/[ \t]*[<[]mailto:[^>\]\s]{1,320}[>\]]/gi, '');
}
