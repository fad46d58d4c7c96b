// Module resolution hook: adds the "@mtakit/source" condition so @mtakit/* packages resolve to
// their TypeScript sources (see each package's `exports`).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@mtakit/source') ? context.conditions : [...context.conditions, '@mtakit/source'];
  return nextResolve(specifier, { ...context, conditions });
}
