// The events worker from TypeScript sources (tests, tsx): a worker thread does not inherit the
// module hooks its parent registered, so this registers tsx and the `@mtakit/source` export
// condition, then imports sink-worker.ts. Built packages start dist/sink-worker.js instead.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

const SOURCE_CONDITION = `export function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, '@mtakit/source'] });
}`;
register(`data:text/javascript,${encodeURIComponent(SOURCE_CONDITION)}`);
(await import('tsx/esm/api')).register();
await import(workerData.entry);
