import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A `validateBasic` for the HTTP listener from a username → password map. Passwords are compared
 * in constant time (as SHA-256 digests, so their lengths do not show either).
 */
export function basicUsers(users: ReadonlyMap<string, string>): (user: string, password: string) => boolean {
  return (user, password) => {
    const expected = users.get(user);
    if (expected === undefined) return false;
    return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(password).digest());
  };
}
