import { ConfigError } from '../errors.js';
import type { MtaPlugin } from './plugin.js';

/**
 * The plugins in dependency order: each after the plugins it depends on, otherwise in the order
 * given (so the list's order is the policy layering order wherever dependencies allow). Refuses
 * duplicate names, missing dependencies and cycles, naming the plugins involved.
 */
export function pluginOrder(plugins: readonly MtaPlugin[]): MtaPlugin[] {
  const byName = new Map<string, MtaPlugin>();
  for (const p of plugins) {
    if (byName.has(p.name)) throw new ConfigError('plugins', p.name, 'two plugins have this name; each plugin may be given once');
    byName.set(p.name, p);
  }
  const ordered: MtaPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: MtaPlugin, path: readonly string[]): void => {
    const seen = state.get(p.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new ConfigError('plugins', [...path, p.name].join(' -> '), 'the plugins depend on each other in a cycle');
    state.set(p.name, 'visiting');
    for (const dep of p.dependencies ?? []) {
      const needed = byName.get(dep);
      if (!needed) throw new ConfigError('plugins', p.name, `needs the plugin "${dep}", which is not in the list (plugins: ${[...byName.keys()].join(', ')})`);
      visit(needed, [...path, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}
