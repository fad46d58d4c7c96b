/**
 * The trace header a relay adds (RFC 5321 §4.4). `with` follows RFC 3848: ESMTP, plus S for TLS
 * and A for an authenticated client.
 */
export interface ReceivedInfo {
  ehlo: string;
  remoteAddress: string;
  hostname: string;
  id: string;
  recipient: string;
  secure: boolean;
  authenticated: boolean;
  tlsCipher?: string | undefined;
  date: Date;
}

export function receivedHeaderValue(r: ReceivedInfo): string {
  const proto = `ESMTP${r.secure ? 'S' : ''}${r.authenticated ? 'A' : ''}`;
  const tls = r.secure && r.tlsCipher ? ` (cipher ${r.tlsCipher})` : '';
  return `from ${sanitize(r.ehlo)} ([${r.remoteAddress}]) by ${r.hostname} (mtakit) with ${proto}${tls} id ${r.id} for <${sanitize(r.recipient)}>; ${r.date.toUTCString().replace('GMT', '+0000')}`;
}

function sanitize(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?');
}
