/**
 * Sealing of personal information (names, phones, street addresses) at rest: AES-256-GCM with a random 96-bit
 * nonce per value and the record's identity as associated data, so a sealed value moved to another row or
 * another user fails to open. Keys come from ADDRESS_ENCRYPTION_KEYS (`id:base64,…`, newest first); the
 * embedded default generates one under DATA_DIR. Old keys stay listed until every row is sealed again with the
 * newest (the addresses sweeper does it), then they can be dropped.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, isEmbedded } from '../../config.ts';

export interface PiiKeyring {
  /** The key new values are sealed with. */
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** Parses `id:base64,…` (newest first); every key must be 32 bytes. */
export function parseKeyring(spec: string): PiiKeyring {
  const keys = new Map<string, Buffer>();
  let currentId = '';
  for (const part of spec.split(',')) {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || key.length !== 32) throw new Error(`address key ${id ?? '?'} is not 32 bytes of base64`);
    if (keys.has(id)) throw new Error(`address key ${id} is listed twice`);
    keys.set(id, key);
    currentId ||= id;
  }
  return { currentId, keys };
}

/** The process's keyring: from the configuration, or on the embedded default a key kept under DATA_DIR. */
export function loadKeyring(config: Config): PiiKeyring {
  if (config.addressKeys) return parseKeyring(config.addressKeys);
  if (!isEmbedded(config)) throw new Error('ADDRESS_ENCRYPTION_KEYS is not set');
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'address-keys');
  if (!existsSync(file)) {
    writeFileSync(file, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return parseKeyring(readFileSync(file, 'utf8').trim());
}

/** Seals a JSON value with the current key; `context` binds it to its record. */
export function sealPii(
  ring: PiiKeyring,
  context: string,
  value: unknown,
): { keyId: string; sealed: string } {
  const key = ring.keys.get(ring.currentId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { keyId: ring.currentId, sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
}

/** Opens a sealed value; throws when its key is unknown or the value or its context was altered. */
export function openPii<T>(ring: PiiKeyring, context: string, keyId: string, sealed: string): T {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`address key ${keyId} is not configured`);
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(
    Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
  ) as T;
}

/** `13812348000` → `138****8000`; other lengths keep their first and last two characters. */
export function maskPhone(phone: string): string {
  return phone.length === 11
    ? `${phone.slice(0, 3)}****${phone.slice(7)}`
    : `${phone.slice(0, 2)}****${phone.slice(-2)}`;
}

/** `张三丰` → `张**`. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** The street address to its first six characters. */
export function maskDetail(detail: string): string {
  const chars = Array.from(detail);
  return chars.length <= 6 ? `${chars.slice(0, 2).join('')}****` : `${chars.slice(0, 6).join('')}****`;
}
