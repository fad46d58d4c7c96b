/**
 * Prints the effective-config tables of docs/shaping.md: what gmail.com, outlook.com, yahoo.com
 * and a domain without rules get (a) from KumoMTA's two shaping files (compat data, read in place
 * from ../shared) and (b) from mtakit's built-in rules. MX hosts come from the package's offline
 * fixture (packages/shaping/src/testing/mx-fixture.ts), so the output does not depend on DNS.
 *
 *   node --conditions=@mtakit/source --import tsx packages/shaping/scripts/effective-config-table.ts
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadShapingRules, type ShapingRuleSet, type ShapingSource } from '@mtakit/shaping';
import { tableMxResolver } from '../src/testing/mx-fixture.js';

const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'no-rule.example'];
const KEYS = [
  'connection_limit', 'max_connection_rate', 'max_message_rate', 'max_deliveries_per_connection', 'enable_tls',
  'idle_timeout', 'consecutive_connection_failures_before_delay', 'additional_connection_limits',
] as const;
const SOURCE = 'ip-1';
const resolver = tableMxResolver();

async function table(title: string, sources: ShapingSource[], noDefaultFiles: boolean): Promise<string> {
  const rules: ShapingRuleSet = await loadShapingRules(sources, { resolver, noDefaultFiles });
  const rows: string[][] = [];
  for (const domain of DOMAINS) {
    const site = (await resolver.route(domain)).siteName;
    const { config, providers } = await rules.resolve(domain, SOURCE, site);
    const automation = (await rules.candidateRules(domain, site)).length;
    const values = KEYS.map((k) => format((config as Record<string, unknown> | undefined)?.[k]));
    rows.push([`\`${domain}\``, providers.join(', ') || '–', ...values, String(automation)]);
  }
  const header = ['domain', 'provider', ...KEYS.map((k) => `\`${k}\``), 'automation rules'];
  return [
    `#### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}

function format(value: unknown): string {
  if (value === undefined) return '–';
  if (typeof value === 'object' && value !== null) return Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join('<br>');
  return String(value);
}

const kumo = join(import.meta.dirname, '../../../../shared/data/kumomta');
const files = [join(kumo, 'policy-extras/shaping.toml'), join(kumo, 'community/shaping.toml')];
if (files.every((f) => existsSync(f))) {
  console.log(await table("KumoMTA's policy-extras/shaping.toml + community/shaping.toml", files, true));
} else {
  console.log(`(KumoMTA files not found under ${kumo}: compat table skipped)\n`);
}
console.log(await table("mtakit's built-in rules", [], false));
console.log(`Source \`${SOURCE}\`; "automation rules" counts the rules that may fire for the domain's path.`);
