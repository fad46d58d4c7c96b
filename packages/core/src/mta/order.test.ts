import { describe, expect, it } from 'vitest';
import { pluginOrder } from './order.js';
import type { MtaPlugin } from './plugin.js';

const plugin = (name: string, ...dependencies: string[]): MtaPlugin => ({ name, dependencies, setup: () => undefined });
const names = (plugins: MtaPlugin[]) => plugins.map((p) => p.name);

describe('pluginOrder', () => {
  it('keeps the given order where no dependency says otherwise', () => {
    expect(names(pluginOrder([plugin('a'), plugin('b'), plugin('c')]))).toEqual(['a', 'b', 'c']);
  });

  it('puts each plugin after what it depends on, transitively', () => {
    expect(names(pluginOrder([plugin('scorer', 'bounce'), plugin('shaping'), plugin('bounce', 'queue'), plugin('queue')])))
      .toEqual(['queue', 'bounce', 'scorer', 'shaping']);
  });

  it('refuses a missing dependency, a cycle and a name given twice, naming them', () => {
    expect(() => pluginOrder([plugin('scorer', 'bounce')])).toThrow(/plugins="scorer": needs the plugin "bounce", which is not in the list/);
    expect(() => pluginOrder([plugin('a', 'b'), plugin('b', 'c'), plugin('c', 'a')])).toThrow(/a -> b -> c -> a.*cycle/);
    expect(() => pluginOrder([plugin('a'), plugin('a')])).toThrow(/plugins="a": two plugins have this name/);
  });
});
