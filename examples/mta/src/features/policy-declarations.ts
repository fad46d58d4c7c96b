import { join } from 'node:path';
import type { PolicyDeclarations } from '@mtakit/lua';
import type { MtaConfig } from '../config.js';

export interface DeclarationNote {
  level: 'info' | 'warn';
  message: string;
}

type Settings = Pick<MtaConfig, 'smtp' | 'http' | 'dataDir' | 'logDir'>;

const hostPort = (a: { host: string; port: number }) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;

/**
 * What the example MTA makes of the listeners, spools and logs a Lua policy declared at init. The
 * example runs one SMTP listener, one HTTP listener, one spool and one log directory, all set by
 * its own config, so declarations are never applied: one that agrees with the config is noted,
 * one that differs is a warning naming the setting to change.
 */
export function declarationNotes(d: PolicyDeclarations, config: Settings): DeclarationNote[] {
  const notes: DeclarationNote[] = [];
  const compare = (what: string, declared: string, ours: string, setting: string, optionsFrom: string) => {
    notes.push(declared === ours
      ? { level: 'info', message: `policy: ${what} ${declared} is the example's (${setting}); its other options come from ${optionsFrom}` }
      : { level: 'warn', message: `policy: ${what} ${declared} is not applied: the example MTA uses ${ours} (${setting}=${declared} to match); its other options come from ${optionsFrom}` });
  };
  for (const l of d.esmtpListeners) {
    compare('ESMTP listener', l.listen, hostPort(config.smtp), 'MTAKIT_SMTP_LISTEN', 'MTAKIT_HOSTNAME, MTAKIT_RELAY_NETWORKS, MTAKIT_MAX_MESSAGE_SIZE and MTAKIT_TLS_*');
  }
  for (const l of d.httpListeners) compare('HTTP listener', l.listen, hostPort(config.http), 'MTAKIT_HTTP_LISTEN', 'MTAKIT_TRUSTED_HOSTS');
  const spool = join(config.dataDir, 'spool');
  for (const s of d.spools) {
    notes.push(s.path === spool
      ? { level: 'info', message: `policy: spool ${s.name} at ${s.path} is the example's spool` }
      : { level: 'warn', message: `policy: spool ${s.name} at ${s.path} is not applied: the example MTA keeps every message in one spool, ${spool} (MTAKIT_DATA_DIR)` });
  }
  for (const l of d.localLogs) {
    compare('local log directory', l.log_dir, config.logDir, 'MTAKIT_LOG_DIR', 'the example (JSONL, every record; meta, headers and per_record are not applied)');
  }
  return notes;
}
