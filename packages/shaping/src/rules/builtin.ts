/**
 * mtakit's built-in shaping rules, loaded before any file unless `noDefaultFiles` is set. They are
 * written in the same layout as a shaping.toml (this object is what the TOML parser would return),
 * so a user can copy any block into their own file and change it.
 *
 * Choices: modest per-site concurrency and rates for unknown receivers (a new sender is better off
 * slow than blocked), mandatory TLS where the big mailbox providers require it, shared
 * per-provider connection caps so many small sites of one provider do not add up to a flood, and
 * automation only on replies whose meaning is explicit (rate limits and reputation deferrals).
 */
export const BUILTIN_SHAPING_DOCUMENT = {
  default: {
    connection_limit: 8,
    max_connection_rate: '60/min',
    max_message_rate: '50/s',
    max_deliveries_per_connection: 100,
    idle_timeout: '30s',
    enable_tls: 'Opportunistic',
    consecutive_connection_failures_before_delay: 20,
    remember_broken_tls: '1 day',
    automation: [
      {
        // Generic "slow down" replies that name the sending IP's rate or reputation.
        regex: [String.raw`(?i)\brate limit(ed)?\b.*\b(ip|reputation)\b`, String.raw`(?i)\btoo many (connections|messages)\b`],
        action: [
          { SetConfig: { name: 'max_message_rate', value: '30/min' } },
          { SetConfig: { name: 'connection_limit', value: 2 } },
        ],
        trigger: { Threshold: '3/15min' },
        duration: '45 minutes',
      },
    ],
  },
  provider: {
    google: {
      match: [{ MXSuffix: '.google.com' }, { MXSuffix: '.googlemail.com' }],
      enable_tls: 'Required',
      max_deliveries_per_connection: 40,
      provider_connection_limit: 8,
      consecutive_connection_failures_before_delay: 6,
      automation: [
        {
          // 421 4.7.28: Gmail is rate limiting this IP or domain for unusual volume.
          regex: String.raw`^421 4\.7\.28 `,
          action: [
            { SetConfig: { name: 'max_message_rate', value: '20/min' } },
            { SetConfig: { name: 'connection_limit', value: 2 } },
          ],
          duration: '1 hour',
        },
        {
          // 421 4.7.0 reputation deferrals: stop for a while rather than keep hitting the wall.
          regex: String.raw`^421 4\.7\.0 .*(very low reputation|unsolicited mail)`,
          action: 'Suspend',
          trigger: { Threshold: '3/30min' },
          duration: '30 minutes',
        },
      ],
    },
    yahoo: {
      match: [{ MXSuffix: '.yahoodns.net' }],
      max_deliveries_per_connection: 25,
      provider_connection_limit: 10,
      automation: [
        {
          // [TS01]-[TS03]: unusual traffic or complaints; slow down.
          regex: String.raw`\[TS0[123]\]`,
          action: { SetConfig: { name: 'max_message_rate', value: '20/min' } },
          trigger: { Threshold: '2/hr' },
          duration: '1 hour',
        },
        {
          // [TSS04]/[TSS05]/[IPTS04]: deferred for complaints; pause the path.
          regex: String.raw`\[(TSS0[45]|IPTS0[45])\]`,
          action: 'Suspend',
          trigger: { Threshold: '2/hr' },
          duration: '2 hours',
        },
      ],
    },
    'microsoft-consumer': {
      match: [{ MXSuffix: '.olc.protection.outlook.com' }],
      max_deliveries_per_connection: 40,
      provider_connection_limit: 8,
      automation: [
        {
          // 4.7.650: rate limited because of the IP's reputation.
          regex: String.raw`4\.7\.650 `,
          action: { SetConfig: { name: 'max_message_rate', value: '10/min' } },
          trigger: { Threshold: '2/hr' },
          duration: '1 hour',
        },
      ],
    },
    'microsoft-365': {
      match: [{ MXSuffix: '.mail.protection.outlook.com' }],
      max_deliveries_per_connection: 40,
      provider_connection_limit: 16,
    },
    apple: {
      match: [{ MXSuffix: '.mail.icloud.com' }],
      max_deliveries_per_connection: 10,
      provider_connection_limit: 8,
    },
  },
} as const;

/** The built-in rules as a loader source. */
export const BUILTIN_SHAPING = { name: 'mtakit:builtin-shaping', document: BUILTIN_SHAPING_DOCUMENT } as const;

