import { simpleParser, type HeaderLines, type ParsedMail } from 'mailparser';

/** What the report parsers need from a message: its headers, readable text and MIME parts. */
export interface MimeMessage {
  /** Top-level header lines, raw, in order. */
  headerLines: HeaderLines;
  subject: string;
  /** The `From` address, lower-cased. */
  from: string | null;
  /** Human-readable text: text/plain parts, or text/html converted. */
  text: string;
  /** Non-text parts (reports, returned messages, attachments), decoded. */
  parts: MimePart[];
}

export interface MimePart {
  /** Lower-cased MIME type, e.g. `message/delivery-status`. */
  contentType: string;
  content: Buffer;
}

/**
 * Parses a message with mailparser. `keepDeliveryStatus` keeps `message/delivery-status` as a part
 * instead of folding it into the text; `ignoreEmbedded` (passed through to mailsplit, missing
 * from mailparser's typings) keeps `message/rfc822` parts whole even when marked inline, as
 * feedback reports often are, instead of merging the returned message into the report's text.
 */
export async function parseMime(bytes: Buffer): Promise<MimeMessage> {
  const options = {
    keepDeliveryStatus: true,
    ignoreEmbedded: true,
    skipImageLinks: true,
    skipTextLinks: true,
    skipTextToHtml: true,
  };
  const mail: ParsedMail = await simpleParser(bytes, options);
  const from = mail.from?.value[0]?.address;
  return {
    headerLines: mail.headerLines,
    subject: mail.subject ?? '',
    from: from ? from.toLowerCase() : null,
    text: mail.text ?? '',
    parts: mail.attachments.map((a) => ({ contentType: a.contentType.toLowerCase(), content: a.content })),
  };
}

/** Values of a top-level header (unfolded), case-insensitive. */
export function headerValues(message: MimeMessage, name: string): string[] {
  const key = name.toLowerCase();
  return message.headerLines
    .filter((h) => h.key === key)
    .map((h) => h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
}
