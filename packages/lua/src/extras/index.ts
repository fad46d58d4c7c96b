import type { LuaState } from 'fengari';
import type { KumoContext } from '../kumo/context.js';
import { pushLogHooksModule } from './log-hooks.js';
import { pushQueueModule } from './queue.js';
import { pushShapingModule } from './shaping.js';
import { pushSourcesModule } from './sources.js';

/** The policy-extras modules `require` may load, implemented in JS. Each pushes its module table. */
export const EXTRA_MODULES: Readonly<Record<string, (L: LuaState, ctx: KumoContext) => void>> = {
  'policy-extras.shaping': pushShapingModule,
  'policy-extras.queue': pushQueueModule,
  'policy-extras.sources': pushSourcesModule,
  'policy-extras.log_hooks': pushLogHooksModule,
};
