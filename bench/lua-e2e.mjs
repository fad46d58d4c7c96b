// A policy's cost end to end: N messages injected over SMTP into the example MTA, relayed to
// Postfix's smtp-sink, once without a policy (the baseline), once with the example tenant-routing
// policy as a TypeScript module and once as Lua (examples/mta/policies), all in the same run. The
// messages carry X-Tenant headers (acme, globex, none) over 10 domains, so the policy runs per
// message (smtp_server_message_received) and per queue (get_queue_config, pools, sources). The
// three runs alternate for --rounds rounds; each keeps its best rate and its lowest CPU time (the
// machine is shared: the best figure is the least disturbed). Then the µs per hook call of
// bench/lua-hooks.ts.
//
//   node bench/lua-e2e.mjs [--messages 5000] [--size 1024] [--connections 20] [--fsync true] [--rounds 2] [--hook-iterations 5000]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePostfixTools, repoRoot, runThroughMta } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    size: { type: 'string', default: '1024' },
    connections: { type: 'string', default: '20' },
    fsync: { type: 'string', default: 'true' },
    rounds: { type: 'string', default: '2' },
    'hook-iterations': { type: 'string', default: '5000' },
  },
});
const messages = Number(values.messages);
const size = Number(values.size);
const connections = Number(values.connections);

if (!ensurePostfixTools()) {
  console.error('smtp-sink (Debian package postfix) is required and could not be installed');
  process.exit(2);
}

const policies = join(repoRoot, 'examples/mta/policies');
const TENANTS = ['acme', 'globex', undefined];
const headers = (i) => {
  const tenant = TENANTS[i % TENANTS.length];
  return tenant ? `X-Tenant: ${tenant}\r\n` : '';
};

/** One run: a fresh MTA (and data dir) with `env`, a fresh sink; delivered msgs/s and the MTA's CPU. */
async function run(env) {
  const r = await runThroughMta({ messages, size, connections, fsync: values.fsync, env, inject: { headers, recipient: (i) => `user${i}@dest${i % 10}.test` } });
  return { rate: r.rate, refused: r.refused, cpu: r.cpuSeconds };
}

const CONFIGS = {
  baseline: {},
  ts: { MTAKIT_POLICY: join(policies, 'tenant-routing.ts') },
  lua: { MTAKIT_POLICY: join(policies, 'tenant-routing.lua'), MTAKIT_POLICY_INCLUDE: join(policies, 'sources.lua') },
};
const best = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, env] of Object.entries(CONFIGS)) {
    const r = await run(env);
    const b = best[name];
    best[name] = b ? { rate: Math.max(b.rate, r.rate), cpu: Math.min(b.cpu, r.cpu), refused: b.refused + r.refused } : r;
  }
}
const { baseline, ts, lua } = best;

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const line = (name, r, refs = {}) => {
  const ratios = Object.entries(refs).map(([refName, ref]) => `${fmt(r.rate / ref.rate, 2)} × ${refName}`).join(', ');
  console.log(`  ${name.padEnd(36)} ${fmt(r.rate).padStart(7)} msgs/s${ratios ? ` (${ratios})` : ''}   CPU ${fmt((r.cpu * 1e6) / messages)} µs/msg${r.refused ? `   (${r.refused} refused)` : ''}`);
};
console.log(`\nmtakit end to end with a policy: ${fmt(messages)} × ${fmt(size)} B, ${connections} injecting connections, fsync ${values.fsync}, best of ${values.rounds}, Node ${process.version}`);
line('no policy (baseline)', baseline);
line('tenant-routing.ts (TypeScript)', ts, { baseline });
line('tenant-routing.lua (+ sources.lua)', lua, { TypeScript: ts, baseline });
console.log(`  Lua over TypeScript: ${fmt(((lua.cpu - ts.cpu) * 1e6) / messages, 1)} µs of MTA CPU per message\n`);

// µs per hook call, from the package benchmark (fewer iterations than its default).
const hooks = spawnSync(process.execPath, ['--conditions=@mtakit/source', '--import', 'tsx', join(repoRoot, 'bench/lua-hooks.ts'), '--iterations', values['hook-iterations']], { cwd: repoRoot, encoding: 'utf8' });
process.stdout.write(hooks.stdout);
if (hooks.status !== 0) process.stderr.write(hooks.stderr);
