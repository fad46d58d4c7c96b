import { spawnSync } from 'node:child_process';

/**
 * What the installed swaks can do: `tls` is false when swaks runs without Net::SSLeay (Debian's
 * libnet-ssleay-perl, a Recommends that `--no-install-recommends` leaves out); such a swaks
 * prints nothing useful for `-tls`, so STARTTLS tests must skip rather than fail.
 */
export function swaksSupport(env: NodeJS.ProcessEnv = process.env): { installed: boolean; tls: boolean } {
  const r = spawnSync('swaks', ['--support'], { encoding: 'utf8', env, timeout: 10_000 });
  if (r.error || r.status === null) return { installed: false, tls: false };
  // swaks answers "=== TLS supported" or "*** TLS not available: requires Net::SSLeay".
  return { installed: true, tls: /^=== TLS supported/m.test(`${r.stdout}${r.stderr}`) };
}
