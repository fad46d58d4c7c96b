import { MxResolver } from '@mtakit/core/dns';
import { TestResolver, type TestZone } from '@mtakit/core/testing';

/** MX answers: host names, `'null'` for a null MX (RFC 7505), `'nxdomain'` for a missing domain. */
export type MxTable = Readonly<Record<string, readonly string[] | 'null' | 'nxdomain'>>;

/**
 * MX hosts of well-known mailbox providers as published in DNS (mid-2026), plus a few made-up
 * domains, so tests and the docs table resolve the same way offline.
 */
export const SAMPLE_MX: MxTable = {
  'gmail.com': ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com', 'alt2.gmail-smtp-in.l.google.com', 'alt3.gmail-smtp-in.l.google.com', 'alt4.gmail-smtp-in.l.google.com'],
  'googlemail.com': ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com', 'alt2.gmail-smtp-in.l.google.com', 'alt3.gmail-smtp-in.l.google.com', 'alt4.gmail-smtp-in.l.google.com'],
  'workspace-customer.example': ['aspmx.l.google.com', 'alt1.aspmx.l.google.com', 'alt2.aspmx.l.google.com'],
  'outlook.com': ['outlook-com.olc.protection.outlook.com'],
  'hotmail.com': ['hotmail-com.olc.protection.outlook.com'],
  'm365-customer.example': ['m365-customer-example.mail.protection.outlook.com'],
  'yahoo.com': ['mta5.am0.yahoodns.net', 'mta6.am0.yahoodns.net', 'mta7.am0.yahoodns.net'],
  'aol.com': ['mx-aol.mail.gm0.yahoodns.net'],
  'icloud.com': ['mx01.mail.icloud.com', 'mx02.mail.icloud.com'],
  'comcast.net': ['mx1h1.comcast.net', 'mx2h1.comcast.net'],
  'mail.com': ['mx00.mail.com', 'mx01.mail.com'],
  'smtp.mailgun.com': [],
  'web.de': ['mx-ha02.web.de', 'mx-ha03.web.de'],
  'gmx.net': ['mx00.emig.gmx.net', 'mx01.emig.gmx.net'],
  'orange.fr': ['smtp-in.orange.fr'],
  'yahoo.co.jp': ['mx1.mail.yahoo.co.jp', 'mx2.mail.yahoo.co.jp', 'mx3.mail.yahoo.co.jp'],
  'example.com': 'null',
  'mixed-vanity.example': ['aspmx.l.google.com', 'mx.mixed-vanity.example'],
  'no-rule.example': ['mx1.no-rule.example', 'mx2.no-rule.example'],
  'gone.example': 'nxdomain',
};

/** Core's `TestResolver` zone for a table: null MX as ".", `nxdomain` names as missing. */
export function testZone(table: MxTable): TestZone {
  const mx: NonNullable<TestZone['mx']> = {};
  const nxdomain: string[] = [];
  for (const [domain, hosts] of Object.entries(table)) {
    if (hosts === 'nxdomain') nxdomain.push(domain);
    else if (hosts === 'null') mx[domain] = [{ exchange: '.', priority: 0 }];
    else mx[domain] = hosts.map((exchange, i) => ({ exchange, priority: (i + 1) * 10 }));
  }
  return { mx, nxdomain };
}

/** Core's MX resolver over a table: the real site-name and null-MX logic, no network. */
export function tableMxResolver(table: MxTable = SAMPLE_MX): MxResolver {
  return new MxResolver({ resolver: new TestResolver(testZone(table)) });
}
