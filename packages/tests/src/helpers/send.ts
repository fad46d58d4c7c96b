import { RawSmtpClient } from '@mtakit/core/testing';

/** Sends one message over SMTP (no TLS) and returns the final reply line. */
export async function sendOne(port: number, from: string, to: string, data: string): Promise<string> {
  const c = await RawSmtpClient.connect(port);
  try {
    await c.read();
    await c.command('EHLO client.test');
    await c.command(`MAIL FROM:<${from}>`);
    const rcpt = await c.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return rcpt.lines.join('\n');
    await c.command('DATA');
    c.write(`${data.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '')}\r\n.\r\n`);
    const done = await c.read();
    await c.command('QUIT');
    return done.lines.join('\n');
  } finally {
    c.close();
  }
}
