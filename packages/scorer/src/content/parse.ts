import type { Message } from '@mtakit/core';
import { parseMailboxes, type Mailbox } from './address.js';
import { decodeEncodedWords } from './decode.js';
import { scanHtml, type HtmlScan } from './html.js';
import { walkMime, type MimeLeaf } from './mime.js';

/** A message decoded for the content-level stages (subject, content, links). */
export interface ParsedContent {
  /** Decoded Subject; `undefined` when the header is absent. */
  subject: string | undefined;
  from: Mailbox[];
  replyTo: Mailbox[];
  /** Inline text/plain parts, joined. */
  text: string;
  /** Inline text/html parts, joined (raw markup). */
  html: string;
  hasTextPart: boolean;
  hasHtmlPart: boolean;
  /** The HTML scanned for visible text, links, images and hidden text. */
  htmlScan: HtmlScan;
  /** Parts that are not inline text: attachments, inline images, embedded messages. */
  attachments: MimeLeaf[];
  /** Structural MIME problems. */
  problems: string[];
  /** Whole message, bytes. */
  size: number;
  /** The text or the HTML was longer than `MAX_ANALYZED_CHARS` and was cut there. */
  truncated: boolean;
}

/**
 * How much of the text and of the HTML the content stages read. Gmail shows about 102 KB of a
 * message; a cap keeps a multi-megabyte body from blocking the event loop for a quarter second
 * per megabyte (what lies beyond still counts toward the size signal).
 */
export const MAX_ANALYZED_CHARS = 128 * 1024;

export function parseContent(message: Message): ParsedContent {
  const data = message.getData();
  const tree = walkMime(data);
  const texts: string[] = [];
  const htmls: string[] = [];
  const attachments: MimeLeaf[] = [];
  for (const leaf of tree.leaves) {
    if (leaf.text === undefined) attachments.push(leaf);
    else if (leaf.type === 'text/html') htmls.push(leaf.text);
    else texts.push(leaf.text);
  }
  const text = texts.join('\n');
  const html = htmls.join('\n');
  const truncated = text.length > MAX_ANALYZED_CHARS || html.length > MAX_ANALYZED_CHARS;
  const subject = message.getFirstHeader('Subject');
  return {
    subject: subject === undefined ? undefined : decodeEncodedWords(subject),
    from: parseMailboxes(message.getAllHeaders('From').join(', ')),
    replyTo: parseMailboxes(message.getAllHeaders('Reply-To').join(', ')),
    text: text.slice(0, MAX_ANALYZED_CHARS),
    html: html.slice(0, MAX_ANALYZED_CHARS),
    hasTextPart: texts.length > 0,
    hasHtmlPart: htmls.length > 0,
    htmlScan: scanHtml(html.slice(0, MAX_ANALYZED_CHARS)),
    attachments,
    problems: tree.problems,
    size: data.length,
    truncated,
  };
}
