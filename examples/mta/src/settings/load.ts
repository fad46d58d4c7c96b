import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError, FieldReader, type ConfigInput } from '@mtakit/core';
import { closest, didYouMean } from './suggest.js';
import { BY_ENV, BY_KEY, CONFIG_FILE_VARIABLE, SETTINGS, settingName, type Setting } from './table.js';

/** The settings after the JSON file and the environment, checked against the table. */
export interface LoadedSettings {
  /** Values by JSON key (the environment's already converted to JSON form). */
  readonly values: ConfigInput;
  /** The JSON file read, if any (absolute). */
  readonly file: string | undefined;
  /**
   * The environment with the file's values added under their variables (the environment still
   * wins): what the feature plugins read, so a key in the file counts as much as its variable.
   */
  readonly env: NodeJS.ProcessEnv;
  /** MTAKIT_* variables that are no setting and no near miss of one (e.g. a secret an events file names). */
  readonly warnings: readonly string[];
}

/**
 * Reads MTAKIT_CONFIG (or ./mtakit.config.json when present) and the MTAKIT_* variables, which
 * override it. Unknown keys and variables are refused with a suggestion; values of the wrong type
 * are refused naming the variable and the key.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedSettings {
  const named = env[CONFIG_FILE_VARIABLE];
  const file = named ? resolve(cwd, named) : existsSync(resolve(cwd, 'mtakit.config.json')) ? resolve(cwd, 'mtakit.config.json') : undefined;
  const fromFile = file ? readJson(file) : {};
  for (const key of Object.keys(fromFile)) {
    if (!BY_KEY.has(key)) throw new ConfigError(`config(${file}).${key}`, fromFile[key], `is not a known setting${suggestKey(key)}`);
  }
  const fromEnv: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const [variable, text] of Object.entries(env)) {
    if (!variable.startsWith('MTAKIT_') || variable === CONFIG_FILE_VARIABLE || text === undefined || text === '') continue;
    const setting = BY_ENV.get(variable);
    if (setting) {
      fromEnv[setting.key] = fromText(setting, text);
      continue;
    }
    // A near miss (two edits at most) is a typo: refused. Other names may be read elsewhere
    // (the secrets_env of MTAKIT_EVENTS, a Lua policy's os.getenv), so they are only reported.
    const guess = closest(variable, SETTINGS.map((s) => s.env), 2);
    if (guess) throw new ConfigError(variable, '(hidden)', `is not a known setting; did you mean ${settingName(BY_ENV.get(guess) as Setting)}?`);
    warnings.push(`${variable} is not a setting of mtakit start (\`mtakit start --help\` lists them); it is ignored unless a file names it (e.g. MTAKIT_EVENTS' secrets_env)`);
  }
  const values: Record<string, unknown> = { ...fromFile, ...fromEnv };
  for (const [key, value] of Object.entries(values)) check(BY_KEY.get(key) as Setting, value);
  const effective: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(fromFile)) {
    const setting = BY_KEY.get(key) as Setting;
    if (fromEnv[key] === undefined && value !== null) effective[setting.env] = toText(setting, value);
  }
  return { values, file, env: effective, warnings };
}

/** A FieldReader whose errors name the variable and the key: `MTAKIT_SMARTHOST (smarthost)`. */
export class SettingsReader extends FieldReader {
  override key(name: string): string {
    const setting = BY_KEY.get(name);
    return setting ? settingName(setting) : super.key(name);
  }
}

function fromText(setting: Setting, text: string): unknown {
  switch (setting.type) {
    case 'list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'int':
      return /^\d+$/.test(text.trim()) ? Number(text) : text;
    case 'bool':
      return BOOLEAN_TEXT[text.trim().toLowerCase()] ?? text;
    case 'switch':
      return text.trim().toLowerCase();
    case 'users':
      return text.split(',').filter(Boolean).map((entry) => {
        const [username, password, tenant] = entry.split(':');
        return { username, password, ...(tenant ? { tenant } : {}) };
      });
    default:
      return text;
  }
}

const BOOLEAN_TEXT: Record<string, boolean> = { true: true, '1': true, on: true, yes: true, false: false, '0': false, off: false, no: false };

/** The environment's form of a value from the file. */
function toText(setting: Setting, value: unknown): string {
  if (setting.type === 'switch' && typeof value === 'boolean') return value ? 'on' : 'off';
  if (setting.type === 'users' && Array.isArray(value)) {
    return value.map((u: { username?: string; password?: string; tenant?: string }) => [u.username, u.password, ...(u.tenant ? [u.tenant] : [])].join(':')).join(',');
  }
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Checks a value's shape against its type (deeper checks are the readers' and plugins'). */
function check(setting: Setting, value: unknown): void {
  const fail = (problem: string): never => {
    throw new ConfigError(settingName(setting), setting.secret ? '(hidden)' : value, problem);
  };
  if (value === null) return;
  switch (setting.type) {
    case 'int':
      if (!Number.isInteger(value) || (value as number) < 0) fail('must be a whole number');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('must be true or false');
      return;
    case 'switch':
      if (typeof value !== 'boolean' && value !== 'on' && value !== 'off') fail('must be on or off (true or false in JSON)');
      return;
    case 'duration':
      if (typeof value !== 'number' && (typeof value !== 'string' || value.trim() === '')) fail('must be a duration such as "30s" or "7 days" (or a number of ms)');
      return;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail('must be a list of strings (comma-separated in the environment)');
      return;
    case 'users':
      if (!Array.isArray(value)) fail('must be a list of {username, password, tenant} (user:password[:tenant],… in the environment)');
      return;
    case 'choice':
      if (!setting.values?.includes(value as string)) fail(`must be one of ${setting.values?.join(', ')}${didYouMean(String(value), setting.values ?? [])}`);
      return;
    case 'smarthost':
      if (typeof value !== 'string' || !smarthostSyntax(value)) fail('must be host[:port]: an IP address, [IPv6], or a fully-qualified host name, e.g. smtp.example.com:587 or 127.0.0.1:2525');
      return;
    default:
      if (typeof value !== 'string' || value === '') fail('must be a non-empty string');
  }
}

/** `host[:port]` with an IP literal, `[IPv6]`, `localhost` or a name with a dot; port 1–65535. */
export function smarthostSyntax(text: string): boolean {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return false;
  const port = m[2] === undefined ? 25 : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return false;
  const host = m[1] as string;
  if (host.startsWith('[')) return isIP(host.slice(1, -1)) === 6;
  if (isIP(host) !== 0) return true;
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const nameLike = labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l));
  return nameLike && (labels.length >= 2 || host.toLowerCase() === 'localhost');
}

function suggestKey(key: string): string {
  const asVariable = BY_ENV.get(key.toUpperCase());
  if (asVariable) return `; the key of ${asVariable.env} is "${asVariable.key}"`;
  const guess = closest(key, SETTINGS.map((s) => s.key));
  return guess ? `; did you mean "${guess}" (${(BY_KEY.get(guess) as Setting).env})?` : '; `mtakit start --help` lists every setting';
}

function readJson(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(CONFIG_FILE_VARIABLE, path, `cannot read the config file: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(CONFIG_FILE_VARIABLE, path, 'must hold a JSON object of settings');
  return parsed as Record<string, unknown>;
}
