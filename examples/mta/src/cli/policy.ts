import { resolve } from 'node:path';
import { Command } from 'commander';
import { MxResolver } from '@mtakit/core/dns';
import { checkPolicy, formatPolicyCheck } from '@mtakit/lua';
import { ShapingRulesFileLoader } from '@mtakit/shaping';
import { loadConfig, type MtaConfig } from '../config.js';
import { declarationNotes } from '../features/policy-declarations.js';
import { importPolicyModule, luaLoadOptions, policyEvents, policyKind, readsMessageMetadata } from '../features/policy-file.js';

export interface PolicyCheckReport {
  ok: boolean;
  /** What `mtakit policy check` prints. */
  text: string;
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
      return { ok: true, text: `${file}: ok (module)\n  events: ${events.join(', ') || '(none)'}` };
    } catch (error) {
      return { ok: false, text: `${file}: does not load\n  ${(error as Error).message}` };
    }
  }
  const options = luaLoadOptions(file, config, new ShapingRulesFileLoader({ resolver: new MxResolver() }));
  const result = await checkPolicy(file, options);
  const lines = [formatPolicyCheck(result)];
  if (result.ok) {
    if (config.policyInclude.length > 0) lines.push(`  includes: ${config.policyInclude.join(', ')}`);
    if (result.events.includes('get_queue_config') && readsMessageMetadata(result.files)) {
      lines.push('  get_queue_config reads the message (kumo.get_msg_metadata): queue configs are computed per message');
    }
    for (const note of declarationNotes(result, config)) lines.push(`  ${note.level === 'warn' ? 'warning' : 'note'}: ${note.message.replace(/^policy: /, '')}`);
  }
  return { ok: result.ok, text: lines.join('\n') };
}

/** `mtakit policy …` */
export function policyCommand(): Command {
  const policy = new Command('policy').description('work with policies (an init.lua, or a .ts/.js module exporting a Policy)');
  policy
    .command('check')
    .description('load a policy in a dry run: print what it defines, or every problem with file:line (exit code 1)')
    .argument('<file>', 'the policy: init.lua, policy.ts, policy.js …')
    .option('--include <files...>', 'Lua files run after the policy (default: MTAKIT_POLICY_INCLUDE)')
    .option('--dir <dirs...>', 'more directories the policy may read (default: MTAKIT_POLICY_DIRS)')
    .action(async (file: string, opts: { include?: string[]; dir?: string[] }) => {
      const config = loadConfig();
      const report = await checkPolicyFile(resolve(file), {
        ...config,
        ...(opts.include ? { policyInclude: opts.include.map((f) => resolve(f)) } : {}),
        ...(opts.dir ? { policyDirs: opts.dir.map((d) => resolve(d)) } : {}),
      });
      process.stdout.write(`${report.text}\n`);
      if (!report.ok) process.exitCode = 1;
    });
  return policy;
}
