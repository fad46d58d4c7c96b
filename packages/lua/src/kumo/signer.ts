import { createPrivateKey, type KeyObject } from 'node:crypto';
import { lauxlib, lua, type LuaState } from 'fengari';
import { ConfigError, FieldReader, MtaKitError, type Clock, type ConfigInput } from '@mtakit/core';
import { luaFunction } from '../vm/errors.js';
import { readValue } from '../vm/values.js';
import { signMessage, type Canonicalization, type DkimAlgorithm, type DkimSignOptions } from './dkim.js';
import type { PolicyFiles } from './files.js';

/** `kumo.dkim.*_signer{...}` objects, used by `msg:dkim_sign(signer)`. */
export const SIGNER_TYPE = 'kumo.DkimSigner';

export class DkimSigner {
  constructor(
    private readonly options: Omit<DkimSignOptions, 'timestamp'>,
    private readonly clock: Clock,
  ) {}

  sign(data: Buffer): Buffer {
    return signMessage(data, { ...this.options, timestamp: Math.floor(this.clock.now() / 1000) });
  }
}

const KNOWN = new Set([
  'domain', 'selector', 'headers', 'key', 'header_canonicalization', 'body_canonicalization', 'over_sign', 'expiration', 'ttl',
]);
const CANONICALIZATIONS = ['Relaxed', 'Simple'] as const;

/** Builds signers; keys read from files are cached for the life of the Lua state. */
export class SignerFactory {
  readonly #keys = new Map<string, KeyObject>();

  constructor(
    private readonly files: PolicyFiles,
    private readonly clock: Clock,
  ) {}

  create(input: ConfigInput, algorithm: DkimAlgorithm, fn: string): DkimSigner {
    const r = new FieldReader(input, fn);
    r.rejectUnknown(KNOWN);
    const headers = r.stringList('headers', []);
    if (headers.length === 0) throw new ConfigError(r.key('headers'), r.raw('headers'), 'must list the headers to sign');
    const canon = (name: string): Canonicalization => r.oneOf(name, CANONICALIZATIONS, 'Relaxed').toLowerCase() as Canonicalization;
    return new DkimSigner(
      {
        domain: r.requiredString('domain'),
        selector: r.requiredString('selector'),
        headers,
        privateKey: this.#key(r, fn, algorithm),
        algorithm,
        headerCanonicalization: canon('header_canonicalization'),
        bodyCanonicalization: canon('body_canonicalization'),
        overSign: r.bool('over_sign', false),
        expiration: r.has('expiration') ? r.int('expiration', 0, 1) : undefined,
      },
      this.clock,
    );
  }

  #key(r: FieldReader, fn: string, algorithm: DkimAlgorithm): KeyObject {
    const source = r.raw('key');
    let key: KeyObject;
    if (typeof source === 'string') {
      key = this.#keys.get(source) ?? parseKey(this.files.readBytes(source, `${fn} key`), r.key('key'));
      this.#keys.set(source, key);
    } else if (source && typeof source === 'object' && typeof (source as { key_data?: unknown }).key_data === 'string') {
      key = parseKey((source as { key_data: string }).key_data, r.key('key'));
    } else {
      throw new ConfigError(r.key('key'), source, 'must be a key file path or { key_data = "-----BEGIN ..." } (vault sources are not supported)');
    }
    const wanted = algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
    if (key.asymmetricKeyType !== wanted) throw new ConfigError(r.key('key'), '(key)', `is a ${key.asymmetricKeyType} key, ${fn} needs ${wanted}`);
    return key;
  }
}

function parseKey(pem: string | Buffer, key: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new ConfigError(key, '(key)', `is not a PEM private key: ${(error as Error).message}`, { cause: error });
  }
}

/** `kumo.dkim.rsa_sha256_signer` / `ed25519_signer`. */
export function makeSignerFunction(factory: SignerFactory, algorithm: DkimAlgorithm, fn: string) {
  return luaFunction(fn, (L) => {
    lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
    const signer = factory.create(readValue(L, 1, { listKeys: new Set(['headers']) }, 'params') as ConfigInput, algorithm, fn);
    const ud = lua.lua_newuserdata(L, 0);
    ud['signer'] = signer;
    lauxlib.luaL_setmetatable(L, SIGNER_TYPE);
    return 1;
  });
}

export function registerSignerType(L: LuaState): void {
  lauxlib.luaL_newmetatable(L, SIGNER_TYPE);
  lua.lua_pop(L, 1);
}

export function readSigner(L: LuaState, idx: number): DkimSigner {
  const ud = lauxlib.luaL_testudata(L, idx, SIGNER_TYPE);
  if (!ud) throw new MtaKitError('E_POLICY', 'expected a signer from kumo.dkim.rsa_sha256_signer{...}');
  return ud['signer'] as DkimSigner;
}
