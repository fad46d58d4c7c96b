/**
 * Small domain lists written for mtakit. They are starting points, not feeds: every stage that
 * uses one accepts a replacement or an addition through its options.
 */

/** Public URL shorteners: they hide the destination from the reader and from filters. */
export const URL_SHORTENERS: ReadonlySet<string> = new Set([
  'bit.ly', 'bitly.com', 'tinyurl.com', 'goo.gl', 't.co', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly',
  'shorturl.at', 'tiny.cc', 'rb.gy', 't.ly', 'v.gd', 'bl.ink', 'short.io', 'soo.gd', 's.id', 'clck.ru', 'qr.ae',
  'lnkd.in', 'x.co', 'shorte.st', 'adf.ly', 'tr.im', 'mcaf.ee', 'u.to',
]);

/** Throwaway-inbox services: their addresses rarely belong to a lasting subscriber. */
export const DISPOSABLE_DOMAINS: ReadonlySet<string> = new Set([
  'mailinator.com', 'guerrillamail.com', 'guerrillamail.net', 'sharklasers.com', 'grr.la', '10minutemail.com',
  '10minutemail.net', 'temp-mail.org', 'tempmail.com', 'tempmail.net', 'tempmailo.com', 'yopmail.com', 'yopmail.fr',
  'trashmail.com', 'trashmail.de', 'getnada.com', 'nada.email', 'dispostable.com', 'maildrop.cc', 'mailnesia.com',
  'throwawaymail.com', 'fakeinbox.com', 'mintemail.com', 'mohmal.com', 'emailondeck.com', 'spamgourmet.com',
  'mailcatch.com', 'tempr.email', 'discard.email', 'burnermail.io', 'inboxkitten.com', 'moakt.com', 'tmail.ws',
  'mytemp.email', 'tempinbox.com', 'spambox.us', 'mailpoof.com', 'trbvm.com', 'harakirimail.com', '33mail.com',
]);

/** Large free webmail providers (a company's mail replying to one of these is a common phishing tell). */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'ymail.com', 'hotmail.com', 'hotmail.co.uk', 'outlook.com',
  'live.com', 'msn.com', 'aol.com', 'icloud.com', 'me.com', 'mail.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de',
  'yandex.ru', 'yandex.com', 'mail.ru', 'proton.me', 'protonmail.com', 'zoho.com', 'qq.com', '163.com', 'orange.fr',
]);

/** Misspellings of large mailbox providers, mapped to the domain probably meant. */
export const DOMAIN_TYPOS: ReadonlyMap<string, string> = new Map([
  ['gmial.com', 'gmail.com'], ['gmai.com', 'gmail.com'], ['gamil.com', 'gmail.com'], ['gmail.co', 'gmail.com'],
  ['gmail.con', 'gmail.com'], ['gmaill.com', 'gmail.com'], ['gnail.com', 'gmail.com'], ['gmail.cm', 'gmail.com'],
  ['hotmial.com', 'hotmail.com'], ['hotmai.com', 'hotmail.com'], ['hotmail.co', 'hotmail.com'], ['hotmail.con', 'hotmail.com'],
  ['hotmal.com', 'hotmail.com'], ['yaho.com', 'yahoo.com'], ['yahooo.com', 'yahoo.com'], ['yahoo.co', 'yahoo.com'],
  ['yahoo.con', 'yahoo.com'], ['outlok.com', 'outlook.com'], ['outlook.co', 'outlook.com'], ['outloo.com', 'outlook.com'],
  ['icloud.co', 'icloud.com'], ['iclod.com', 'icloud.com'], ['aol.co', 'aol.com'], ['aoll.com', 'aol.com'],
]);

/** Top-level domains that are cheap to register and over-represented in abuse reports. */
export const ABUSED_TLDS: ReadonlySet<string> = new Set([
  'zip', 'mov', 'top', 'xyz', 'click', 'link', 'work', 'gq', 'tk', 'ml', 'cf', 'ga', 'rest', 'cyou', 'icu', 'buzz', 'monster',
  'cam', 'sbs', 'cfd', 'quest', 'support', 'loan', 'win', 'bid', 'country', 'stream', 'download', 'racing',
]);

/**
 * Role local parts: addresses of a function rather than a person. They are shared, rarely opt in
 * themselves, and complain (or are spam traps) more than personal addresses.
 */
export const ROLE_ACCOUNTS: ReadonlySet<string> = new Set([
  'abuse', 'admin', 'administrator', 'billing', 'compliance', 'contact', 'customerservice', 'devnull', 'enquiries',
  'feedback', 'help', 'helpdesk', 'hostmaster', 'hr', 'info', 'it', 'jobs', 'legal', 'list', 'mail', 'mailer-daemon',
  'marketing', 'media', 'news', 'newsletter', 'no-reply', 'noc', 'noreply', 'office', 'orders', 'postmaster', 'press',
  'privacy', 'root', 'sales', 'security', 'spam', 'support', 'sysadmin', 'team', 'webmaster', 'www',
]);
