import { MxResolver } from '@mtakit/core/dns';
import { checkPolicy, formatPolicyCheck } from '@mtakit/lua';
import { ShapingRulesFileLoader } from '@mtakit/shaping';
import type { MtaConfig } from '../config.js';
import { declarationNotes } from '../features/policy-declarations.js';
import { importPolicyModule, luaLoadOptions, policyEvents, policyKind, readsMessageMetadata } from '../features/policy-file.js';

export interface PolicyCheckReport {
  ok: boolean;
  /** What `mtakit policy check` prints. */
  text: string;
  /** What `mtakit policy check --json` prints. */
  data: { ok: boolean; file: string; kind: 'lua' | 'module'; events: string[]; problems: unknown[]; notes: Array<{ level: string; message: string }> };
}

/**
 * Loads a policy the way `mtakit start` would (same includes, directories and providers), without
 * starting anything, and reports what it defines and what the example MTA would make of it, or
 * every problem with its file:line.
 */
export async function checkPolicyFile(file: string, config: MtaConfig): Promise<PolicyCheckReport> {
  if (policyKind(file) === 'module') {
    try {
      const events = policyEvents(await importPolicyModule(file));
      return { ok: true, text: `${file}: ok (module)\n  events: ${events.join(', ') || '(none)'}`, data: { ok: true, file, kind: 'module', events, problems: [], notes: [] } };
    } catch (error) {
      const message = (error as Error).message;
      return { ok: false, text: `${file}: does not load\n  ${message}`, data: { ok: false, file, kind: 'module', events: [], problems: [{ message }], notes: [] } };
    }
  }
  const options = luaLoadOptions(file, config, new ShapingRulesFileLoader({ resolver: new MxResolver() }));
  const result = await checkPolicy(file, options);
  const lines = [formatPolicyCheck(result)];
  const notes = result.ok ? declarationNotes(result, config) : [];
  if (result.ok) {
    if (config.policyInclude.length > 0) lines.push(`  includes: ${config.policyInclude.join(', ')}`);
    if (result.events.includes('get_queue_config') && readsMessageMetadata(result.files)) {
      lines.push('  get_queue_config reads the message (kumo.get_msg_metadata): queue configs are computed per message');
    }
    for (const note of notes) lines.push(`  ${note.level === 'warn' ? 'warning' : 'note'}: ${note.message.replace(/^policy: /, '')}`);
  }
  return {
    ok: result.ok, text: lines.join('\n'),
    data: { ok: result.ok, file, kind: 'lua', events: result.events, problems: result.problems, notes: notes.map((n) => ({ level: n.level, message: n.message })) },
  };
}

