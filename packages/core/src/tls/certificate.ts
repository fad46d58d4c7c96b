import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError } from '../errors.js';

export interface TlsKeyPair {
  key: string;
  cert: string;
}

export interface CertificateOptions {
  /** PEM certificate file. With `keyFile`, used as is. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** Where a generated pair is kept (so it survives restarts). */
  dataDir: string;
  /** Common name of a generated certificate. */
  hostname: string;
}

/**
 * The listener's certificate: the configured files, or a self-signed pair generated on first
 * start and kept in `<dataDir>/tls/`, so STARTTLS works out of the box and clients see a stable key.
 */
export async function loadOrCreateCertificate(options: CertificateOptions): Promise<TlsKeyPair> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile) {
      const missing = options.certFile ? 'tls_private_key' : 'tls_certificate';
      throw new ConfigError(missing, undefined, 'a certificate needs both tls_certificate and tls_private_key');
    }
    return { cert: await readPem('tls_certificate', options.certFile), key: await readPem('tls_private_key', options.keyFile) };
  }
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, 'self-signed-cert.pem');
  const keyPath = join(dir, 'self-signed-key.pem');
  try {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch {
    const pair = await generateSelfSigned(options.hostname);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyPath, pair.key, { mode: 0o600 });
    await writeFile(certPath, pair.cert, { mode: 0o644 });
    return pair;
  }
}

export async function generateSelfSigned(hostname: string): Promise<TlsKeyPair> {
  const notAfterDate = new Date(Date.now() + 825 * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: hostname }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

async function readPem(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(key, path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
}
