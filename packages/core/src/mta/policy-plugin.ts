import type { Policy } from '../policy/events.js';
import type { MtaPlugin, PluginProvides } from './plugin.js';

/**
 * A plugin that only adds a policy layer (an application's TypeScript hooks placed among the
 * plugins, or defaults after them), with optional reload/stop.
 */
export function policyPlugin(name: string, policy: Policy, more: Pick<PluginProvides, 'reload' | 'stop'> = {}): MtaPlugin {
  return { name, setup: () => ({ policy, ...more }) };
}
