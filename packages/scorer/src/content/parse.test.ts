import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Message } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { parseContent } from './parse.js';

// Differential test: on the evaluation set, the scorer's own MIME walker must decode subject,
// sender, text and HTML as mailparser (the reference parser it replaces on the hot path) does.
// mailparser runs in a plain node child: under this repo's vitest resolve conditions its CommonJS
// dependencies would load their ESM builds and fail.
const dir = join(import.meta.dirname, '../../../../bench/data/scorer');
const files = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ file: string }>).map((e) => e.file);
const load = (file: string) => Buffer.from(readFileSync(join(dir, file), 'utf8').replace(/\r?\n/g, '\r\n'));
const squash = (s: string | false | null | undefined) => (s || '').replace(/\s+/g, ' ').trim();

interface Reference {
  subject?: string;
  from: string[];
  text?: string;
  html?: string | false;
  attachments: string[];
}

function referenceParse(): Record<string, Reference> {
  const script = `
    const { simpleParser } = require('mailparser');
    const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    (async () => {
      const out = {};
      for (const [file, b64] of Object.entries(input)) {
        const m = await simpleParser(Buffer.from(b64, 'base64'), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
        out[file] = { subject: m.subject, from: (m.from?.value ?? []).map((v) => v.address), text: m.text, html: m.html, attachments: m.attachments.map((a) => a.filename) };
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const input = JSON.stringify(Object.fromEntries(files.map((f) => [f, load(f).toString('base64')])));
  const env = { ...process.env, NODE_OPTIONS: '' };
  const child = spawnSync(process.execPath, ['-e', script], { input, env, cwd: import.meta.dirname, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (child.status !== 0) throw new Error(`mailparser child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, Reference>;
}

describe('parseContent agrees with mailparser', () => {
  const reference = referenceParse();

  it.each(files)('%s', (file) => {
    const ours = parseContent(new Message({ sender: '', recipient: 'r@example.net', data: load(file) }));
    const ref = reference[file] as Reference;
    expect(ours.subject).toBe(ref.subject);
    expect(ours.from.map((m) => m.address)).toEqual(ref.from);
    if (ours.problems.length > 0) return; // broken on purpose: parsers may legitimately differ
    expect(squash(ours.text)).toBe(squash(ref.text));
    expect(squash(ours.html)).toBe(squash(ref.html));
    expect(ours.attachments.map((a) => a.filename ?? '').sort()).toEqual(ref.attachments.map((a) => a ?? '').sort());
  });
});
