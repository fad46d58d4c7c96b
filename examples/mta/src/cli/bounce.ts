import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { MtaKitError, responseLine } from '@mtakit/core';
import type { BounceClassifier } from '@mtakit/bounce/parse';
import { consoleLogger } from '../logger.js';

interface ParseFlags {
  rules?: string[];
  traceSecret?: string;
  envelopeRecipient?: string;
  jsonl?: boolean;
}

/** `mtakit bounce …`: read bounces and feedback reports, classify replies, offline. */
export function bounceCommand(): Command {
  const bounce = new Command('bounce').description('parse bounce and feedback-report messages, classify SMTP replies (offline)');

  bounce
    .command('parse')
    .description('print one object per reported recipient of each message: type, recipient, status, diagnostic code, remote MTA, the reply, category, hard (the address itself is bad) and permanent, the rule and the extractor that decided, and the original queue id, tenant and campaign')
    .argument('<paths...>', 'messages (.eml) or directories of them (read recursively); "-" reads standard input')
    .option('--rules <files...>', 'KumoMTA-format rule files tried before the built-in rules (default: MTAKIT_BOUNCE_RULES)')
    .option('--trace-secret <secret>', 'verifies signed X-MtaKit-Ref headers (default: MTAKIT_TRACE_SECRET)')
    .option('--envelope-recipient <address>', 'the address the report was sent to, for VERP correlation')
    .option('--jsonl', 'one JSON object per line, written as each file is read; a file that is not a report prints {"file","error"} and the run goes on')
    .addHelpText('after', '\nExits 1 when a file cannot be read or is not a bounce, feedback report or auto-reply (with --jsonl: after reading all of them).\n')
    .action(async (paths: string[], o: ParseFlags) => {
      const classifier = await classifierFor(o.rules);
      const traceSecret = o.traceSecret ?? process.env['MTAKIT_TRACE_SECRET'];
      const options = {
        classifier,
        ...(traceSecret ? { traceSecret } : {}),
        ...(o.envelopeRecipient ? { envelopeRecipient: o.envelopeRecipient } : {}),
      };
      const files = await expandPaths(paths);
      const { parseBounceMessage } = await bounceLibrary();
      const out: unknown[] = [];
      let failed = 0;
      for (const file of files) {
        const named = (s: object) => (files.length > 1 || o.jsonl ? { file, ...s } : s);
        try {
          const summaries = await parseBounceMessage(await readInput(file), options);
          if (o.jsonl) process.stdout.write(summaries.map((s) => `${JSON.stringify(named(s))}\n`).join(''));
          else out.push(...summaries.map(named));
        } catch (error) {
          if (!o.jsonl) {
            if (error instanceof MtaKitError && error.code === 'E_NOT_FOUND') throw error;
            throw new MtaKitError('E_MESSAGE', `${file}: ${(error as Error).message}`, { cause: error });
          }
          failed++;
          process.stdout.write(`${JSON.stringify({ file, error: { code: (error as MtaKitError).code ?? 'E_MESSAGE', message: (error as Error).message } })}\n`);
        }
      }
      if (!o.jsonl) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else if (failed > 0) process.exitCode = 1;
    });

  bounce
    .command('classify')
    .description('classify an SMTP reply as pasted ("550 5.1.1 user unknown", "smtp; 550-5.1.1 …") and print category, hard/soft and the rule as JSON')
    .argument('[reply...]', 'the reply (quoted or as separate words); none or "-" reads standard input')
    .option('--rules <files...>', 'KumoMTA-format rule files tried before the built-in rules (default: MTAKIT_BOUNCE_RULES)')
    .addHelpText('after', '\nExits 1 when the text does not start with a 3-digit reply code.\n')
    .action(async (words: string[], o: { rules?: string[] }) => {
      const text = words.length === 0 || (words.length === 1 && words[0] === '-') ? (await readInput('-')).toString('utf8') : words.join(' ');
      const { response, classification } = (await bounceLibrary()).classifyResponseText(text, await classifierFor(o.rules));
      process.stdout.write(`${JSON.stringify({ response: responseLine(response), ...classification }, null, 2)}\n`);
    });
  return bounce;
}

/**
 * The parser alone (@mtakit/bounce/parse, not the plugin and suppression routes), loaded when a
 * bounce command runs: `mtakit --help` needs none of it, and one file parsed cold pays only for it.
 */
function bounceLibrary(): Promise<typeof import('@mtakit/bounce/parse')> {
  return import('@mtakit/bounce/parse');
}

async function classifierFor(rules: string[] | undefined): Promise<BounceClassifier> {
  const files = rules ?? (process.env['MTAKIT_BOUNCE_RULES'] ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  return (await bounceLibrary()).buildClassifier(files.map((f) => resolve(f)), {}, consoleLogger);
}

/** The files named, with directories read recursively (sorted, so runs are reproducible). */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const info = path === '-' ? null : await stat(path).catch(() => null);
    if (info?.isDirectory()) out.push(...(await directoryFiles(path)));
    else out.push(path);
  }
  return out;
}

/** Files below a directory; entry types come with the listing, so no stat per file. */
async function directoryFiles(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await directoryFiles(path)));
    else if (e.isSymbolicLink()) out.push(...(await expandPaths([path])));
    else out.push(path);
  }
  return out;
}

/** A file's bytes, or standard input for "-"; a clear error when it cannot be read. */
export async function readInput(file: string): Promise<Buffer> {
  try {
    // Synchronous: one file at a time either way, and a mailbox of small files read through
    // fs/promises spends more on its open/fstat/read/close round trips than on parsing.
    if (file !== '-') return readFileSync(file);
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new MtaKitError('E_NOT_FOUND', `cannot read ${file === '-' ? 'standard input' : file}: ${reason}`, { cause: error });
  }
}
