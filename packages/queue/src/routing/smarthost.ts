import type { Policy } from '@mtakit/core';

/**
 * A smart host: every queue whose config names no protocol of its own is routed to `hostPort`
 * (the rest of its config — pool, retries — still comes from the policy).
 */
export function withSmarthost(policy: Policy, hostPort: string | undefined): Policy {
  if (!hostPort) return policy;
  const inner = policy.get_queue_config;
  return {
    ...policy,
    get_queue_config: async (...args) => {
      const config = (await inner?.(...args)) ?? {};
      return config.protocol ? config : { ...config, protocol: { smtp: { mx_list: [hostPort] } } };
    },
  };
}
