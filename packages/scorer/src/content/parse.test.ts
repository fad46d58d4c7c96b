import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Message } from '@mtakit/core';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseContent } from './parse.js';

// Differential test: on the evaluation set, the scorer's own MIME walker must decode subject,
// sender, text and HTML as mailparser (the reference parser it replaces on the hot path) does.
const dir = join(import.meta.dirname, '../../../../bench/data/scorer');
const files = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ file: string }>).map((e) => e.file);
const load = (file: string) => Buffer.from(readFileSync(join(dir, file), 'utf8').replace(/\r?\n/g, '\r\n'));
const squash = (s: string | false | null | undefined) => (s || '').replace(/\s+/g, ' ').trim();

describe('parseContent agrees with mailparser', () => {
  it.each(files)('%s', async (file) => {
    const data = load(file);
    const ours = parseContent(new Message({ sender: '', recipient: 'r@example.net', data }));
    const ref = await simpleParser(data, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    expect(ours.subject).toBe(ref.subject);
    expect(ours.from.map((m) => m.address)).toEqual((ref.from?.value ?? []).map((v) => v.address));
    if (ours.problems.length > 0) return; // broken on purpose: parsers may legitimately differ
    expect(squash(ours.text)).toBe(squash(ref.text));
    expect(squash(ours.html)).toBe(squash(ref.html));
    expect(ours.attachments.map((a) => a.filename ?? '').sort()).toEqual(ref.attachments.map((a) => a.filename ?? '').sort());
  });
});
