import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { INERT_KEYS, type PolicyEventName } from '@mtakit/core';
import { KUMO_FUNCTIONS } from './kumo/compat.js';
import { emptyDeclarations, type PolicyDeclarations } from './kumo/declarative.js';
import { loadLuaPolicy, type LoadLuaPolicyOptions } from './host.js';
import { LuaLoadError, type LuaProblem } from './state.js';

/** What `mtakit policy check FILE` reports. */
export interface PolicyCheckResult extends PolicyDeclarations {
  ok: boolean;
  file: string;
  events: PolicyEventName[];
  warnings: string[];
  /** Every file the policy read (its own files, modules, data files); empty when it does not load. */
  files: string[];
  /** Why the policy does not load, each with file:line when known. Empty when ok. */
  problems: LuaProblem[];
  /**
   * Settings the policy's files name that mtakit accepts with no effect (egress path options such
   * as enable_mta_sts, enable_dane, tls_certificate, use_lmtp; inert kumo.* functions), with the
   * file naming each. Found by a text search: configs built at run time are checked when built.
   */
  noEffect: string[];
}

const INERT_FUNCTIONS = KUMO_FUNCTIONS.filter((f) => f.status === 'inert');

/** Which no-effect settings each file mentions, as `name (file): why`. */
function noEffectSettings(files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const mentions = (name: string) => new RegExp(`\\b${name}\\b`).test(text);
    for (const key of INERT_KEYS) if (mentions(key)) found.push(`${key} (${basename(file)}): an egress path option mtakit accepts with no effect`);
    for (const f of INERT_FUNCTIONS) if (mentions(`kumo\\.${f.name}`)) found.push(`kumo.${f.name} (${basename(file)}): ${f.note}`);
  }
  return found;
}

/**
 * Loads a policy in a dry run (its init runs; nothing is started: listeners and spools are only
 * declared) and reports what it defines or every problem that stops it from loading.
 */
export async function checkPolicy(file: string, options: Omit<LoadLuaPolicyOptions, 'file' | 'source'> = {}): Promise<PolicyCheckResult> {
  const warnings: string[] = [];
  try {
    const host = await loadLuaPolicy({
      ...options,
      file,
      logger: options.logger ?? ((entry) => {
        if (entry.level === 'warn' || entry.level === 'error') warnings.push(entry.message);
      }),
    });
    const { warnings: said } = host.definitions;
    // An inert kumo.* call the load ran has warned already.
    const noEffect = noEffectSettings(host.definitions.files).filter((n) => !said.some((w) => w.includes(`${n.split(' ')[0]} has no effect`)));
    return { ok: true, file, problems: [], ...host.definitions, noEffect };
  } catch (error) {
    const problems = error instanceof LuaLoadError ? [...error.problems] : [{ message: (error as Error).message }];
    return { ok: false, file, events: [], warnings, files: [], problems, noEffect: [], ...emptyDeclarations() };
  }
}

/** Renders a check result for a terminal. */
export function formatPolicyCheck(result: PolicyCheckResult): string {
  if (!result.ok) return [`${result.file}: does not load`, ...result.problems.map((p) => `  ${p.message}`)].join('\n');
  const lines = [`${result.file}: ok`, `  events: ${result.events.join(', ') || '(none)'}`];
  for (const l of result.esmtpListeners) lines.push(`  esmtp listener: ${l.listen}`);
  for (const l of result.httpListeners) lines.push(`  http listener: ${l.listen}`);
  for (const s of result.spools) lines.push(`  spool ${s.name}: ${s.path} (${s.kind})`);
  for (const l of result.localLogs) lines.push(`  local logs: ${l.log_dir}`);
  for (const w of result.warnings) lines.push(`  warning: ${w}`);
  for (const n of result.noEffect) lines.push(`  no effect: ${n}`);
  return lines.join('\n');
}
