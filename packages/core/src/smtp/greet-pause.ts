import { cidrContains, type Cidr } from '../dns/cidr.js';
import type { Policy } from '../policy/events.js';
import { NetworkMatcher } from './network-matcher.js';

export interface GreetPauseOptions {
  /** Pause for clients outside `trusted`, in ms. */
  pauseMs: number;
  /** Networks greeted at once (relay networks and trusted hosts); a matcher remembers its answers. */
  trusted: readonly Cidr[] | NetworkMatcher;
  /** `smtp_server_greet_pause` may change the pause per client. */
  policy?: Policy | undefined;
  /** Listener name, given to the hook as `received_via`. */
  listener: () => string;
}

/** Longest pause a hook may ask for: longer ones would outlast clients' 5-minute greeting timeout. */
export const MAX_GREET_PAUSE_MS = 60_000;

/**
 * The greeting pause for one client (Postfix postscreen's greet wait, Haraka's early_talker):
 * 0 for trusted networks, `pauseMs` for the rest, unless the policy's `smtp_server_greet_pause`
 * returns another value. Synchronous when there is no hook, so a trusted client costs neither a
 * promise nor a timer.
 */
export function greetPauseFor(remoteAddress: string, options: GreetPauseOptions): number | Promise<number> {
  const trusted = options.trusted instanceof NetworkMatcher ? options.trusted.contains(remoteAddress) : cidrContains(options.trusted, remoteAddress);
  const pause = trusted ? 0 : options.pauseMs;
  const hook = options.policy?.smtp_server_greet_pause;
  if (!hook) return pause;
  const client = { received_from: remoteAddress, received_via: options.listener(), trusted };
  return Promise.resolve(hook(client, pause)).then((ms) => validPause(ms) ?? pause, () => pause);
}

function validPause(ms: unknown): number | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_GREET_PAUSE_MS) : undefined;
}
