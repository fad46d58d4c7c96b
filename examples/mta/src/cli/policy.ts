import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config.js';

/** `mtakit policy …` */
export function policyCommand(): Command {
  const policy = new Command('policy').description('work with policies (an init.lua, or a .ts/.js module exporting a Policy)');
  policy
    .command('check')
    .description('load a policy in a dry run: print what it defines, or every problem with file:line (exit code 1)')
    .argument('<file>', 'the policy: init.lua, policy.ts, policy.js …')
    .option('--include <files...>', 'Lua files run after the policy (default: MTAKIT_POLICY_INCLUDE)')
    .option('--dir <dirs...>', 'more directories the policy may read (default: MTAKIT_POLICY_DIRS)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { include?: string[]; dir?: string[]; json?: boolean }) => {
      const config = loadConfig();
      // Loaded here: the Lua host and shaping rules are heavy, and `mtakit --help` needs neither.
      const { checkPolicyFile } = await import('./policy-check.js');
      const report = await checkPolicyFile(resolve(file), {
        ...config,
        ...(opts.include ? { policyInclude: opts.include.map((f) => resolve(f)) } : {}),
        ...(opts.dir ? { policyDirs: opts.dir.map((d) => resolve(d)) } : {}),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(report.data, null, 2)}\n` : `${report.text}\n`);
      if (!report.ok) process.exitCode = 1;
    });
  return policy;
}
