import { createHash } from 'node:crypto';
import {
  ConfigError, durationOption, parseRateSpec, resolveEgressPathConfig, type RateSpec,
} from '@mtakit/core';
import { isTable, type Origin } from '../rules/params.js';

/** Actions without arguments: ready-queue suspension, scheduled-queue suspension and bounces. */
export const SIMPLE_ACTIONS = ['Suspend', 'SuspendTenant', 'SuspendCampaign', 'Bounce', 'BounceTenant', 'BounceCampaign'] as const;
export type SimpleActionType = (typeof SIMPLE_ACTIONS)[number];
/** Actions overriding one path parameter: for the site (or the domain when the rule is not a rollup) or always the domain. */
export const CONFIG_ACTIONS = ['SetConfig', 'SetDomainConfig'] as const;
export type ConfigActionType = (typeof CONFIG_ACTIONS)[number];

export type AutomationAction =
  | { readonly type: SimpleActionType }
  | { readonly type: ConfigActionType; readonly name: string; readonly value: unknown };

export type AutomationTrigger = { readonly type: 'Immediate' } | { readonly type: 'Threshold'; readonly spec: RateSpec };

/** One `[[X.automation]]` rule of a shaping file. */
export interface AutomationRule {
  /** Any of these matching the one-line response fires the rule. */
  readonly regex: readonly RegExp[];
  readonly actions: readonly AutomationAction[];
  readonly trigger: AutomationTrigger;
  /** Lifetime of each effect, from the time of the log record that triggered it. */
  readonly durationMs: number;
  /** Whether responses mtakit generated itself may match. Default false. */
  readonly matchInternal: boolean;
  readonly origin: Origin;
  /** Identity of the rule's content: threshold windows and effects are keyed by it. */
  readonly hash: string;
}

const RULE_KEYS = new Set(['regex', 'action', 'trigger', 'duration', 'match_internal']);

/**
 * Parses one automation rule as KumoMTA writes it. Unknown keys become warnings; invalid values
 * throw a ConfigError whose key names the file, block, rule index and field.
 */
export function parseAutomationRule(raw: unknown, origin: Origin, index: number, warnings: string[]): AutomationRule {
  const at = `${origin.file}:${origin.block}.automation[${index}]`;
  if (!isTable(raw)) throw new ConfigError(at, raw, 'an automation rule must be a table');
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.has(key)) warnings.push(`${origin.file}: ${origin.block} automation[${index}]: unknown key "${key}" ignored`);
  }
  const regexText = oneOrMany(raw.regex, `${at}.regex`, (v, key) => {
    if (typeof v !== 'string') throw new ConfigError(key, v, 'must be a regular expression string');
    return v;
  });
  const regex = regexText.map((text, i) => compile(text, regexText.length > 1 ? `${at}.regex[${i}]` : `${at}.regex`));
  const actions = oneOrMany(raw.action, `${at}.action`, parseAction);
  const trigger = parseTrigger(raw.trigger, `${at}.trigger`);
  const duration = raw.duration;
  if (typeof duration !== 'string' && typeof duration !== 'number') {
    throw new ConfigError(`${at}.duration`, duration, 'is required: a duration like "1 hour"');
  }
  const durationMs = durationOption(`${at}.duration`, duration);
  const matchInternal = raw.match_internal ?? false;
  if (typeof matchInternal !== 'boolean') throw new ConfigError(`${at}.match_internal`, matchInternal, 'must be true or false');
  const hash = createHash('sha256')
    .update(JSON.stringify([regexText, actions, trigger.type === 'Threshold' ? trigger.spec.text : 'Immediate', durationMs, matchInternal]))
    .digest('hex')
    .slice(0, 16);
  return { regex, actions, trigger, durationMs, matchInternal, origin, hash };
}

function parseAction(raw: unknown, key: string): AutomationAction {
  if (typeof raw === 'string') {
    if ((SIMPLE_ACTIONS as readonly string[]).includes(raw)) return { type: raw as SimpleActionType };
    throw new ConfigError(key, raw, `unknown action; expected one of ${[...SIMPLE_ACTIONS, ...CONFIG_ACTIONS].join(', ')}`);
  }
  const entries = isTable(raw) ? Object.entries(raw) : [];
  const [type, body] = entries[0] ?? [];
  if (entries.length !== 1 || !(CONFIG_ACTIONS as readonly string[]).includes(type as string) || !isTable(body)) {
    throw new ConfigError(key, raw, 'expected an action name or {SetConfig={name=..., value=...}} / {SetDomainConfig={...}}');
  }
  const { name, value } = body;
  if (typeof name !== 'string') throw new ConfigError(`${key}.${type}.name`, name, 'must name a path parameter');
  if (value === undefined) throw new ConfigError(`${key}.${type}.value`, value, 'is required');
  // The override must be a valid path parameter value, or it would break the path when applied.
  resolveEgressPathConfig({ [name]: value } as never, `${key}.${type}`);
  return { type: type as ConfigActionType, name, value };
}

function parseTrigger(raw: unknown, key: string): AutomationTrigger {
  if (raw === undefined || raw === 'Immediate') return { type: 'Immediate' };
  if (isTable(raw) && Object.keys(raw).length === 1 && typeof raw.Threshold === 'string') {
    try {
      return { type: 'Threshold', spec: parseRateSpec(raw.Threshold) };
    } catch (error) {
      throw new ConfigError(`${key}.Threshold`, raw.Threshold, (error as Error).message, { cause: error });
    }
  }
  throw new ConfigError(key, raw, 'expected "Immediate" or {Threshold="N/period"}');
}

/**
 * KumoMTA's regex dialect (Rust fancy-regex) is close to JavaScript's; the one common difference
 * in shaping files is a leading inline flag group such as `(?i)`, which becomes a RegExp flag.
 */
function compile(text: string, key: string): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(text);
  try {
    return flags ? new RegExp(text.slice(flags[0].length), flags[1]) : new RegExp(text);
  } catch (error) {
    throw new ConfigError(key, text, (error as Error).message, { cause: error });
  }
}

function oneOrMany<T>(raw: unknown, key: string, parse: (value: unknown, key: string) => T): T[] {
  if (raw === undefined) throw new ConfigError(key, raw, 'is required');
  if (!Array.isArray(raw)) return [parse(raw, key)];
  if (raw.length === 0) throw new ConfigError(key, raw, 'must not be empty');
  return raw.map((v, i) => parse(v, `${key}[${i}]`));
}

/** Whether a rule matches a one-line response (`"<code> <c.s.d> <text>"`). */
export function ruleMatches(rule: AutomationRule, response: string, internal: boolean): boolean {
  if (internal && !rule.matchInternal) return false;
  return rule.regex.some((r) => r.test(response));
}
