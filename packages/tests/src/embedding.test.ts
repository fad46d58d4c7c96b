import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/mta-process.js';
import { sendOne } from './helpers/send.js';

/**
 * docs/embedding.md's app, built from the packed packages as a user would: `npm pack` per
 * package, the tarballs installed in a temporary directory (offline from the npm cache is fine),
 * the app type-checked strictly and run, and a message sent through it to a sink.
 *
 * Packing needs each package's dist (`npm run build`). The test builds them itself with
 * MTAKIT_EMBEDDING_TEST=1; otherwise it runs when every dist is newer than its sources (as in CI
 * after the build step) and skips, saying so, when one is missing or stale.
 */
const PACKAGES = ['core', 'queue', 'shaping', 'bounce', 'scorer', 'lua', 'events'];
const build = process.env['MTAKIT_EMBEDDING_TEST'] === '1';
const stale = PACKAGES.filter((p) => !distIsFresh(join(repoRoot, 'packages', p)));
const runs = build || stale.length === 0;
if (!runs) console.warn(`embedding test skipped: no fresh dist for ${stale.join(', ')} (run npm run build, or set MTAKIT_EMBEDDING_TEST=1 to build here)`);

const work = mkdtempSync(join(tmpdir(), 'mtakit-embedding-'));
let app: ChildProcess | undefined;
let sink: SmtpSink | undefined;
afterAll(async () => {
  app?.kill('SIGKILL');
  await sink?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!runs)('docs/embedding.md: the app built from the packed packages', () => {
  it('installs from the tarballs, type-checks strictly, and delivers a message to a sink', async () => {
    const source = appSource();
    expect(source.split('\n').length).toBeLessThanOrEqual(60);
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    const deps: Record<string, string> = {};
    for (const p of PACKAGES) {
      const dir = join(repoRoot, 'packages', p);
      if (build) await run('npx', ['tsup', '--config', '../../tsup.config.ts'], dir);
      const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', tarballs], dir)) as Array<{ name: string; filename: string }>;
      deps[packed!.name] = `file:${join(tarballs, packed!.filename)}`;
    }
    const dir = join(work, 'app');
    mkdirSync(dir);
    const types = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).devDependencies['@types/node'] as string;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-mta', private: true, type: 'module', dependencies: deps, devDependencies: { '@types/node': types } }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: '.' },
      files: ['app.ts'],
    }));
    writeFileSync(join(dir, 'app.ts'), source);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    await run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir);

    sink = await new SmtpSink().start();
    app = spawn(process.execPath, ['app.js'], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SMARTHOST: sink.address, SMTP_PORT: '0', HTTP_PORT: '0', DATA_DIR: join(dir, 'data'), MTA_HOSTNAME: 'mta.test' },
    });
    const [smtpPort, httpPort] = await listening(app);
    expect(await sendOne(smtpPort, 'news@sender.example', 'ann@example.net', 'From: news@sender.example\r\nTo: ann@example.net\r\nSubject: hello\r\nX-Tenant: acme\r\n\r\nHello from an embedded MTA.\r\n')).toMatch(/^250 /);
    await sink.waitFor(() => sink!.messages.length === 1, 30_000);
    expect(sink.messages[0]?.recipients).toEqual(['ann@example.net']);
    expect(sink.messages[0]?.data.toString()).not.toContain('X-Tenant'); // the tenant-headers plugin took it
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/scorer_verdicts_total\{verdict="\w+"\} 1/);
    const exited = new Promise<number | null>((resolve) => app!.once('exit', resolve));
    app.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 900_000);
});

/** The ```ts app.ts block of docs/embedding.md. */
function appSource(): string {
  const doc = readFileSync(join(repoRoot, 'docs/embedding.md'), 'utf8');
  const m = /```ts app\.ts\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/embedding.md has no ```ts app.ts block');
  return m[1] as string;
}

/** Runs a command without blocking the test worker (a long synchronous call starves vitest's RPC). */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** The SMTP and HTTP ports from the app's "listening:" line. */
function listening(child: ChildProcess): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the app did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening: SMTP [^:]+:(\d+), HTTP [^:]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve([Number(m[1]), Number(m[2])]);
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the app exited (${code}):\n${output}`)));
  });
}

/** Whether the package's dist exists and is newer than every source file. */
function distIsFresh(pkgDir: string): boolean {
  const dist = join(pkgDir, 'dist', 'index.js');
  if (!existsSync(dist)) return false;
  const built = statSync(dist).mtimeMs;
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const path = join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(path) : e.name.endsWith('.test.ts') ? 0 : statSync(path).mtimeMs);
  }, 0);
  return newest(join(pkgDir, 'src')) < built;
}
