import { BROADCAST_EVENTS, POLICY_EVENTS, type Policy, type PolicyEventName } from './events.js';

type AnyHandler = (...args: unknown[]) => unknown;

/**
 * Layers policies: for broadcast events every handler runs in order; for the others, the first
 * handler returning something other than `undefined` wins. `composePolicies(ts, lua)` is "TS first,
 * Lua fallback"; swap the arguments for the reverse.
 */
export function composePolicies(...policies: Policy[]): Policy {
  const composed: Record<string, AnyHandler> = {};
  for (const event of POLICY_EVENTS) {
    const handlers = policies.map((p) => p[event] as AnyHandler | undefined).filter((h): h is AnyHandler => h !== undefined);
    if (handlers.length === 0) continue;
    if (handlers.length === 1) {
      composed[event] = handlers[0] as AnyHandler;
      continue;
    }
    composed[event] = BROADCAST_EVENTS.has(event as PolicyEventName)
      ? async (...args) => {
          for (const h of handlers) await h(...args);
        }
      : async (...args) => {
          for (const h of handlers) {
            const result = await h(...args);
            if (result !== undefined) return result;
          }
          return undefined;
        };
  }
  return composed as Policy;
}
