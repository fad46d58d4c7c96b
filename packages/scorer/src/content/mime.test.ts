import { describe, expect, it } from 'vitest';
import { decodeEncodedWords } from './decode.js';
import { walkMime } from './mime.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'));

describe('walkMime', () => {
  it('finds the text and html alternatives of a nested multipart and lists attachments', () => {
    const tree = walkMime(crlf(
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"', '',
      'preamble', '--outer', 'Content-Type: multipart/alternative; boundary=inner', '',
      '--inner', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', 'Caf=E9 cr=\r\n=E8me', '--inner',
      'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from('<p>Café ☕</p>').toString('base64'), '--inner--',
      '--outer', 'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment', 'Content-Transfer-Encoding: base64', '', 'JVBERi0=',
      '--outer--', ''));
    expect(tree.problems).toEqual([]);
    expect(tree.leaves.map((l) => [l.type, l.attachment, l.text ?? l.filename])).toEqual([
      ['text/plain', false, 'Café crème'],
      ['text/html', false, '<p>Café ☕</p>'],
      ['application/pdf', true, 'invoice.pdf'],
    ]);
  });

  it('reads bare-LF messages and RFC 2231 file names', () => {
    const tree = walkMime(Buffer.from([
      'Content-Type: multipart/mixed; boundary=b', 'MIME-Version: 1.0', '', '--b', 'Content-Type: text/plain', '', 'hi', '--b',
      "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf", 'Content-Type: application/pdf', '', 'x', '--b--', '',
    ].join('\n')));
    expect(tree.problems).toEqual([]);
    expect(tree.leaves[0]?.text).toBe('hi');
    expect(tree.leaves[1]?.filename).toBe('résumé.pdf');
  });

  it('does not take a longer boundary that starts with ours for a delimiter', () => {
    const tree = walkMime(crlf('MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary=ab', '', '--ab', 'Content-Type: text/plain', '',
      'one', '--abc is text', '--ab--', ''));
    expect(tree.leaves[0]?.text).toBe('one\r\n--abc is text');
  });

  it.each([
    ['no boundary parameter', ['MIME-Version: 1.0', 'Content-Type: multipart/mixed', '', 'x'], /without a boundary/],
    ['boundary absent from body', ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=zz', '', 'x'], /never appears/],
    ['unclosed multipart', ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=zz', '', '--zz', '', 'x'], /not closed/],
    ['missing MIME-Version', ['Content-Type: multipart/mixed; boundary=zz', '', '--zz', '', 'x', '--zz--'], /MIME-Version/],
    ['invalid base64', ['Content-Type: text/html', 'Content-Transfer-Encoding: base64', '', '<p>not base64</p>'], /invalid base64/],
    ['8-bit data declared 7bit', ['Content-Type: text/plain', '', 'caf\u00e9'], /8-bit/],
    ['unknown charset', ['Content-Type: text/plain; charset=x-klingon', '', 'x'], /unknown charset/],
    ['overlong line', ['Content-Type: text/plain', '', 'a'.repeat(1200)], /longer than 998/],
  ])('reports %s', (_name, lines, problem) => {
    const data = Buffer.from(lines.join('\r\n'), 'latin1');
    expect(walkMime(data).problems.join('; ')).toMatch(problem);
  });

  it('reports nothing for a plain single-part message', () => {
    expect(walkMime(crlf('Subject: hi', '', 'Hello.')).problems).toEqual([]);
  });
});

describe('decodeEncodedWords', () => {
  it('decodes B and Q words and drops whitespace between adjacent words', () => {
    expect(decodeEncodedWords('=?utf-8?B?8J+OgyBTYWxl?= =?iso-8859-1?Q?_caf=E9?= now')).toBe('🎃 Sale café now');
  });

  it('leaves words in unknown charsets and plain text alone', () => {
    expect(decodeEncodedWords('=?x-unknown?Q?abc?= plain')).toBe('=?x-unknown?Q?abc?= plain');
  });
});
