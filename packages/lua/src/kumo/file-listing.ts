import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { PolicyFiles } from './files.js';

const GLOB_CHARS = /[*?[]/;

/** A glob (`*`, `?`, `[...]`, `**` for any depth) as a regular expression over relative paths. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      re += end < 0 ? '\\[' : `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end < 0 ? i : end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory() && depth > 0) out.push(...walk(path, depth - 1));
  }
  return out;
}

/**
 * kumo.read_dir (a directory's entries) and kumo.glob (the files a pattern matches), both only
 * below the policy's allowed directories and through its path map. Sorted paths, as this machine
 * names them.
 */
export function listFiles(files: PolicyFiles, pattern: string, what: string, options: { path?: string } = {}): string[] {
  const full = files.map(options.path ? join(options.path, pattern) : pattern);
  if (!GLOB_CHARS.test(full)) {
    const dir = files.resolve(full, what);
    return readdirSync(dir).map((name) => join(dir, name)).sort();
  }
  const parts = resolve(files.baseDir, full).split(sep);
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = files.resolve(parts.slice(0, firstGlob).join(sep) || sep, what);
  const rest = parts.slice(firstGlob).join('/');
  const matcher = globRegExp(rest);
  const depth = rest.includes('**') ? 16 : rest.split('/').length - 1;
  return walk(base, depth)
    .filter((p) => matcher.test(relative(base, p).split(sep).join('/')) && statSync(p).isFile())
    .sort();
}
