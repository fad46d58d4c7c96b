/** @mtakit/core/dkim — DKIM signing (RFC 6376; RFC 8463 for Ed25519) with node:crypto. */
export { signMessage, type Canonicalization, type DkimAlgorithm, type DkimSignOptions } from './sign.js';
