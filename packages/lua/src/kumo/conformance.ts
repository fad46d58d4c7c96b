import { randomUUID } from 'node:crypto';
import { MtaKitError, type Message } from '@mtakit/core';

/**
 * `msg:check_fix_conformance(check, fix)` (KumoMTA): checks the message for the named issues
 * (`'A|B'`), fixes those named in `fix` that can be fixed, and returns a description of those
 * left, or nil when none is.
 */
type Check = {
  found: (data: Buffer, msg: Message) => boolean;
  fix?: (data: Buffer, msg: Message) => void;
};

const CHECKS: Readonly<Record<string, Check>> = {
  NON_CANONICAL_LINE_ENDINGS: {
    found: (data) => /\r(?!\n)|(?<!\r)\n/.test(data.toString('latin1')),
    fix: (data, msg) => msg.setData(Buffer.from(data.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1')),
  },
  MISSING_DATE_HEADER: {
    found: (_d, msg) => msg.getFirstHeader('Date') === undefined,
    fix: (_d, msg) => msg.prependHeader('Date', new Date().toUTCString().replace('GMT', '+0000')),
  },
  MISSING_MESSAGE_ID_HEADER: {
    found: (_d, msg) => msg.getFirstHeader('Message-ID') === undefined,
    fix: (_d, msg) => msg.prependHeader('Message-ID', `<${randomUUID()}@${msg.sender.split('@')[1] || 'localhost'}>`),
  },
  MISSING_MIME_VERSION: {
    found: (_d, msg) => msg.getFirstHeader('MIME-Version') === undefined,
    fix: (_d, msg) => msg.appendHeader('MIME-Version', '1.0'),
  },
  MISSING_COLON_VALUE: {
    found: (data) => headerBlock(data).split(/\r?\n/).some((line) => line !== '' && !/^[ \t]/.test(line) && !/^[!-9;-~]+:/.test(line)),
  },
  LINE_TOO_LONG: {
    found: (data) => data.toString('latin1').split(/\r?\n/).some((line) => line.length > 998),
  },
  NEEDS_TRANSFER_ENCODING: {
    found: (data, msg) => msg.getFirstHeader('Content-Transfer-Encoding') === undefined && data.some((b) => b > 0x7f),
  },
};

function headerBlock(data: Buffer): string {
  const text = data.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function flags(spec: string, what: string): string[] {
  const names = spec.split('|').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!CHECKS[name]) throw new MtaKitError('E_POLICY', `${what}: unknown issue '${name}' (known: ${Object.keys(CHECKS).join(', ')})`);
  }
  return names;
}

export function checkFixConformance(msg: Message, check: string, fix: string): string | undefined {
  const toFix = new Set(flags(fix, 'fix'));
  const failed: string[] = [];
  for (const name of new Set([...flags(check, 'check'), ...toFix])) {
    const c = CHECKS[name] as Check;
    if (!c.found(msg.getData(), msg)) continue;
    if (toFix.has(name) && c.fix) c.fix(msg.getData(), msg);
    else failed.push(name);
  }
  return failed.length === 0 ? undefined : `Message has conformance issues: ${failed.join('|')}`;
}
