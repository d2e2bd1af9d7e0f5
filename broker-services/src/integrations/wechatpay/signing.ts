/**
 * WeChat Pay API v3 cryptography on node:crypto: the merchant's request signature, the platform's
 * response/notification signature, the mini-program `paySign`, and AEAD_AES_256_GCM resource decryption.
 * Every signed message is lines joined and terminated by `\n`; bodies are signed as their exact bytes.
 */

import type { KeyObject } from 'node:crypto';
import { createDecipheriv, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';

/** The prefix WeChat Pay puts on the deliberately invalid signatures of its signature-check probes. */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Parses a PEM private key once, so a bad key fails at start-up rather than on the first payment. */
export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** Parses a PEM public key (SPKI) once. */
export function loadPublicKey(pem: string): KeyObject {
  return createPublicKey(pem);
}

/** A 32-character alphanumeric nonce, the shape WeChat Pay's own SDKs send. */
export function createNonce(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Joins the lines of a v3 message, each terminated by `\n`; Buffers are kept byte-exact. */
export function buildMessage(lines: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) {
    parts.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** SHA256withRSA (PKCS#1 v1.5) over the message, base64. */
export function signSha256Rsa(privateKey: KeyObject, message: Buffer): string {
  return sign('sha256', message, privateKey).toString('base64');
}

/** Checks a base64 SHA256withRSA signature; false for any malformed input rather than throwing. */
export function verifySha256Rsa(publicKey: KeyObject, message: Buffer, signatureB64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  try {
    return verify('sha256', message, publicKey, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

export interface MerchantSigner {
  mchId: string;
  serialNo: string;
  privateKey: KeyObject;
}

/** The `Authorization` header of a request: signs `METHOD\nURL\ntimestamp\nnonce\nbody\n`. */
export function buildAuthorization(
  signer: MerchantSigner,
  req: { method: string; pathWithQuery: string; body: string; timestamp: number; nonce: string },
): string {
  const message = buildMessage([
    req.method.toUpperCase(),
    req.pathWithQuery,
    String(req.timestamp),
    req.nonce,
    req.body,
  ]);
  const signature = signSha256Rsa(signer.privateKey, message);
  return (
    `WECHATPAY2-SHA256-RSA2048 mchid="${signer.mchId}",nonce_str="${req.nonce}",` +
    `signature="${signature}",timestamp="${req.timestamp}",serial_no="${signer.serialNo}"`
  );
}

/** Decrypts an AEAD_AES_256_GCM resource: `ciphertext` is base64 of ciphertext followed by the 16-byte tag. */
export function decryptAes256Gcm(
  apiV3Key: Buffer,
  resource: { ciphertext: string; nonce: string; associatedData: string },
): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < 17) throw new Error('ciphertext shorter than its tag');
  const tag = data.subarray(data.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(tag);
  decipher.setAAD(Buffer.from(resource.associatedData, 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}
