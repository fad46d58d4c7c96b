/**
 * The trace header a relay adds (RFC 5321 §4.4). `with` follows RFC 3848: ESMTP, plus S for TLS
 * and A for an authenticated client.
 */
export interface ReceivedInfo {
  ehlo: string;
  remoteAddress: string;
  hostname: string;
  id: string;
  /** Named only when the transaction had one recipient (RFC 5321 §4.4 makes it optional). */
  recipient?: string | undefined;
  secure: boolean;
  authenticated: boolean;
  tlsCipher?: string | undefined;
  date: Date;
}

export function receivedHeaderValue(r: ReceivedInfo): string {
  const proto = `ESMTP${r.secure ? 'S' : ''}${r.authenticated ? 'A' : ''}`;
  const tls = r.secure && r.tlsCipher ? ` (cipher ${r.tlsCipher})` : '';
  const forClause = r.recipient ? ` for <${sanitize(r.recipient)}>` : '';
  return `from ${sanitize(r.ehlo)} ([${r.remoteAddress}]) by ${r.hostname} (mtakit) with ${proto}${tls} id ${r.id}${forClause}; ${dateText(r.date)}`;
}

/** The date of the last header made; a busy listener makes hundreds a second, all with the same date. */
let lastSecond = Number.NaN;
let lastDate = '';

function dateText(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastDate = date.toUTCString().replace('GMT', '+0000');
  }
  return lastDate;
}

function sanitize(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?');
}
