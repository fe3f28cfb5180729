import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { badParameter } from "./server/errors.js";
import type { VaultState } from "./state/vault.js";

/**
 * Backup blobs: opaque, encrypted and integrity-protected (AES-256-GCM). Like the service's,
 * they restore only into a vault of the same subscription and geography; anything else —
 * another subscription, another geography, a modified or truncated blob — is refused with the
 * service's answer, 400 "Cannot decrypt backup blob.". The key is fixed so that blobs move
 * between emulator processes; it protects against tampering, not against a determined reader.
 */

export type BackupKind = "secret" | "key" | "certificate";

/** The service refuses to back up objects with more versions than this. */
export const MAX_BACKUP_VERSIONS = 500;

const MAGIC = Buffer.from("DPKV\u0001", "latin1");
const KEY = createHash("sha256").update("dataplane key vault emulator backup blob v1").digest();
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

interface Envelope<T> {
  kind: BackupKind;
  subscriptionId: string;
  geography: string;
  createdAt: number;
  object: T;
}

export function sealBackup<T>(vault: VaultState, kind: BackupKind, object: T): string {
  const envelope: Envelope<T> = {
    kind,
    subscriptionId: vault.settings.subscriptionId,
    geography: vault.settings.geography,
    createdAt: Date.now(),
    object,
  };
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", KEY, iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(envelope), "utf8"), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), ciphertext]).toString("base64url");
}

function cannotDecrypt(): Error {
  return badParameter("Cannot decrypt backup blob.");
}

export function openBackup<T>(vault: VaultState, kind: BackupKind, blob: string): T {
  const bytes = Buffer.from(blob, "base64url");
  const headerLength = MAGIC.length + IV_LENGTH + TAG_LENGTH;
  if (bytes.length <= headerLength || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw cannotDecrypt();
  const iv = bytes.subarray(MAGIC.length, MAGIC.length + IV_LENGTH);
  const tag = bytes.subarray(MAGIC.length + IV_LENGTH, headerLength);
  let envelope: Envelope<T>;
  try {
    const decipher = createDecipheriv("aes-256-gcm", KEY, iv);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(bytes.subarray(headerLength)), decipher.final()]);
    envelope = JSON.parse(plain.toString("utf8")) as Envelope<T>;
  } catch {
    throw cannotDecrypt();
  }
  if (
    envelope.subscriptionId !== vault.settings.subscriptionId ||
    envelope.geography !== vault.settings.geography
  ) {
    throw cannotDecrypt();
  }
  if (envelope.kind !== kind) {
    throw badParameter(`The backup blob holds a ${envelope.kind}, not a ${kind}.`);
  }
  return envelope.object;
}
