import { CONFIG_FILE_VARIABLE, SETTINGS, type Setting, type SettingGroup } from './table.js';

const GROUP_TITLES: Record<SettingGroup, string> = {
  listeners: 'Listeners and access', delivery: 'Data and delivery', limits: 'Limits', policy: 'Policy',
  shaping: 'Traffic shaping', bounces: 'Bounces and reports', suppression: 'Suppression and unsubscribe',
  scorer: 'Pre-send scorer', events: 'Event streams', cli: 'Admin commands',
};

/** How a type is written, for people. */
function typeText(s: Setting): string {
  switch (s.type) {
    case 'listen': return 'host:port';
    case 'smarthost': return 'host[:port]';
    case 'list': return 'list';
    case 'users': return 'user:password[:tenant],…';
    case 'switch': return 'on | off';
    case 'bool': return 'true | false';
    case 'choice': return (s.values ?? []).join(' | ');
    default: return s.type;
  }
}

const groups = (): Array<[SettingGroup, Setting[]]> =>
  (Object.keys(GROUP_TITLES) as SettingGroup[]).map((g) => [g, SETTINGS.filter((s) => s.group === g)]);

/** The settings section of `mtakit start --help`. */
export function settingsHelp(): string {
  const lines = [
    '',
    `Settings come from a JSON file (${CONFIG_FILE_VARIABLE}, default ./mtakit.config.json if present; keys as`,
    'in brackets) and from these environment variables, which override it:',
  ];
  for (const [g, settings] of groups()) {
    lines.push('', `${GROUP_TITLES[g]}:`);
    for (const s of settings) {
      lines.push(`  ${s.env} (${s.key})  ${typeText(s)}, default ${s.default}`, `      ${s.meaning}`);
    }
  }
  lines.push('', 'Full reference: docs/configuration.md', '');
  return lines.join('\n');
}

/** docs/configuration.md (`npm run docs:config` writes it; a test fails when it is out of date). */
export function configurationMarkdown(): string {
  const out = [
    '# Configuration of the example MTA',
    '',
    '<!-- Generated from examples/mta/src/settings/table.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    `Every setting has a key in the JSON config file (\`${CONFIG_FILE_VARIABLE}\`, default \`./mtakit.config.json\``,
    'when present) and an environment variable, which overrides the file. In the environment, lists are',
    'comma-separated and switches are `on`/`off`; in JSON, lists are arrays and switches may be booleans.',
    'An unknown key or variable is refused at start with the closest known name; errors name the',
    'variable and the key. `mtakit start --help` prints the same table.',
  ];
  for (const [g, settings] of groups()) {
    out.push('', `## ${GROUP_TITLES[g]}`, '', '| variable | key | type | default | meaning |', '|---|---|---|---|---|');
    for (const s of settings) out.push(`| \`${s.env}\` | \`${s.key}\` | ${cell(typeText(s))} | ${cell(s.default)} | ${cell(s.meaning)} |`);
  }
  out.push('');
  return out.join('\n');
}

/** Text safe in a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}
