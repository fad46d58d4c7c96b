import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicy, formatPolicyCheck } from './check.js';
import { tempDir } from './test-support.js';

describe('checkPolicy: the no-effect list (issue 15 item 3)', () => {
  it('names the settings the policy files mention that mtakit accepts with no effect', async () => {
    const dir = tempDir({
      'init.lua': `kumo.on('get_egress_pool', function() kumo.set_smtpsrv_threads(8) end)
kumo.on('get_egress_path_config', function() return kumo.make_egress_path { enable_mta_sts = true, enable_dane = true, use_lmtp = false } end)`,
    });
    const result = await checkPolicy(join(dir, 'init.lua'), { logger: () => undefined });
    expect(result.noEffect).toEqual([
      'enable_mta_sts (init.lua): an egress path option mtakit accepts with no effect',
      'enable_dane (init.lua): an egress path option mtakit accepts with no effect',
      'use_lmtp (init.lua): an egress path option mtakit accepts with no effect',
      'kumo.set_smtpsrv_threads (init.lua): Node runs policies on its event loop',
    ]);
    expect(formatPolicyCheck(result)).toContain('  no effect: enable_dane (init.lua): an egress path option mtakit accepts with no effect');
  });
});
