import { describe, expect, it } from 'vitest';
import { declarationNotes } from './policy-declarations.js';

const config = { smtp: { host: '127.0.0.1', port: 2525 }, http: { host: '::1', port: 8025 }, dataDir: '/var/lib/mtakit', logDir: '/var/log/mtakit' };
const none = { esmtpListeners: [], httpListeners: [], spools: [], localLogs: [], logHooks: [] };

describe('declarationNotes', () => {
  it('says nothing when the policy declares nothing', () => {
    expect(declarationNotes(none, config)).toEqual([]);
  });

  it('notes declarations that match the config and warns about the others, naming the setting', () => {
    const notes = declarationNotes({
      ...none,
      esmtpListeners: [{ listen: '127.0.0.1:2525' }, { listen: '0.0.0.0:25' }],
      httpListeners: [{ listen: '[::1]:8025' }],
      spools: [{ name: 'data', path: '/var/lib/mtakit/spool' }, { name: 'meta', path: '/var/spool/kumomta/meta' }],
      localLogs: [{ log_dir: '/var/log/kumomta' }],
    } as unknown as Parameters<typeof declarationNotes>[0], config);
    expect(notes.map((n) => `${n.level}: ${n.message.replace(/; its other options.*/, '')}`)).toEqual([
      "info: policy: ESMTP listener 127.0.0.1:2525 is the example's (MTAKIT_SMTP_LISTEN)",
      'warn: policy: ESMTP listener 0.0.0.0:25 is not applied: the example MTA uses 127.0.0.1:2525 (MTAKIT_SMTP_LISTEN=0.0.0.0:25 to match)',
      "info: policy: HTTP listener [::1]:8025 is the example's (MTAKIT_HTTP_LISTEN)",
      "info: policy: spool data at /var/lib/mtakit/spool is the example's spool",
      'warn: policy: spool meta at /var/spool/kumomta/meta is not applied: the example MTA keeps every message in one spool, /var/lib/mtakit/spool (MTAKIT_DATA_DIR)',
      'warn: policy: local log directory /var/log/kumomta is not applied: the example MTA uses /var/log/mtakit (MTAKIT_LOG_DIR=/var/log/kumomta to match)',
    ]);
  });
});
