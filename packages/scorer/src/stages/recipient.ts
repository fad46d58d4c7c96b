import { parseAddress, type Message, type ParsedAddress } from '@mtakit/core';
import { parseMailboxes } from '../content/address.js';
import { imitates } from '../content/lookalike.js';
import { DISPOSABLE_DOMAINS, DOMAIN_TYPOS, FREEMAIL_DOMAINS, ROLE_ACCOUNTS } from '../lists/domains.js';
import { whenReady } from '../maybe-async.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

/**
 * Whether the tenant must not mail `recipient`: `true` or a reason string when suppressed
 * (unsubscribed, complained, hard-bounced), `false`/`undefined` when not.
 */
export type SuppressionLookup = (tenant: string, recipient: string) => boolean | string | undefined | Promise<boolean | string | undefined>;

export interface RecipientStageOptions {
  /** Default weight. Default 0.6. */
  weight?: number;
  /** Suppression list. Without it the suppression signal is off. */
  suppression?: SuppressionLookup;
  /** Role local parts. Default: the built-in list (`ROLE_ACCOUNTS`). */
  roleAccounts?: ReadonlySet<string>;
  /** Disposable-inbox domains. Default: the built-in list (`DISPOSABLE_DOMAINS`). */
  disposableDomains?: ReadonlySet<string>;
}

/**
 * Recipient-profile dimension. Signals: address syntax and suppression (both force a reject: the
 * message must not go out), disposable-inbox domains, likely typos of large providers, role
 * accounts (the local part before any +tag), and a From domain that imitates the recipient's own
 * (`acme-group.example` writing to `acme.example`: business-email compromise).
 */
export function recipientStage(options: RecipientStageOptions = {}): Stage {
  const roles = options.roleAccounts ?? ROLE_ACCOUNTS;
  const disposable = options.disposableDomains ?? DISPOSABLE_DOMAINS;
  const suppression = options.suppression;

  const profile = (message: Message, address: ParsedAddress, suppressed: boolean | string | undefined): StageOutcome => {
    const s = new Signals();
    if (suppressed !== undefined && suppressed !== false) {
      s.add(100, `the recipient is suppressed for this tenant${typeof suppressed === 'string' ? ` (${suppressed})` : ''}`);
      s.floor('reject', 'suppressed recipients are never sent to', 'Remove suppressed recipients from the list before sending.');
    }
    const domain = address.domain.toLowerCase();
    const local = address.localPart.toLowerCase().split('+')[0] ?? '';
    if (disposable.has(domain)) s.add(50, `${domain} is a disposable-inbox service`, 'Do not mail disposable addresses; ask for a lasting one.');
    const meant = DOMAIN_TYPOS.get(domain);
    if (meant !== undefined) s.add(40, `${domain} looks like a typo of ${meant}`, 'Confirm addresses at sign-up (double opt-in) to catch typos.');
    if (roles.has(local)) s.add(25, `${local}@ is a role account`, 'Prefer personal addresses to role accounts (info@, sales@, …).');
    const sender = fromDomain(message);
    if (sender !== undefined && !FREEMAIL_DOMAINS.has(domain) && imitatesRecipient(sender, domain)) {
      s.add(60, `the From domain ${sender} imitates the recipient's domain ${domain}`, 'Send from your own domain; never from one that resembles your recipients\' domains.');
    }
    return s.outcome();
  };

  return {
    name: 'recipient_profile',
    scope: 'message',
    weight: options.weight ?? 0.6,
    run(input: StageInput) {
      let address: ParsedAddress;
      try {
        address = parseAddress(input.message.recipient);
      } catch (error) {
        const s = new Signals().add(100, `the recipient address is malformed: ${(error as Error).message}`);
        return s.floor('reject', 'malformed recipients cannot be delivered', 'Validate addresses when they are collected.').outcome();
      }
      return whenReady(suppression?.(input.tenant, input.message.recipient), (suppressed) => profile(input.message, address, suppressed));
    },
  };
}

/** Domains of recent From values: a campaign repeats one From for every recipient. */
const fromDomains = new Map<string, string | undefined>();
const FROM_DOMAINS_KEPT = 1_000;

/** The From header's domain, read without decoding the message (this stage runs for every recipient). */
function fromDomain(message: Message): string | undefined {
  const from = message.getFirstHeader('From');
  if (from === undefined) return undefined;
  if (fromDomains.has(from)) return fromDomains.get(from);
  const domain = parseMailboxes(from)[0]?.domain || undefined;
  if (fromDomains.size >= FROM_DOMAINS_KEPT) fromDomains.clear();
  fromDomains.set(from, domain);
  return domain;
}

/** Verdicts of `imitates` per From and recipient domain: a campaign asks about the same pairs again and again. */
const imitations = new Map<string, boolean>();
const IMITATIONS_KEPT = 10_000;

function imitatesRecipient(sender: string, recipient: string): boolean {
  const key = `${sender}\u0000${recipient}`;
  let verdict = imitations.get(key);
  if (verdict === undefined) {
    verdict = imitates(sender, recipient);
    if (imitations.size >= IMITATIONS_KEPT) imitations.clear();
    imitations.set(key, verdict);
  }
  return verdict;
}
