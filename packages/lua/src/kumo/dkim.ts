// DKIM signing lives in @mtakit/core/dkim (usable from TypeScript); `msg:dkim_sign` wraps it.
export { signMessage, type Canonicalization, type DkimAlgorithm, type DkimSignOptions } from '@mtakit/core/dkim';
