// The key pair the API server signs service account tokens with (RS256, upstream's default).
//
// Where it lives: in the store itself, under a key no resource serves (as the Service address
// reservations are), created once by the first API server that needs it. So a restarted API server,
// and every replica of a shared store (file, JetStream, etcd), signs and verifies with the same key,
// and no API request can read it: not even a cluster admin's `get secrets`, which a Secret in
// kube-system would allow. Upstream keeps it in a file (--service-account-key-file); the store is
// kubus's only state shared by the replicas.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Store } from '../store/store.ts';

export const SIGNING_ALGORITHM = 'RS256';
export const SIGNING_KEY = '/registry/kubus-internal/serviceaccount-signing-key';

export interface SigningKey {
  /** The key id (the public key's RFC 7638 thumbprint), in every token's header. */
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

interface StoredKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
}

/** Loads the signing key from the store, creating it when the store has none yet; one load per API server. */
export class SigningKeyRing {
  private loading?: Promise<SigningKey>;

  constructor(private readonly store: Store) {}

  key(): Promise<SigningKey> {
    this.loading ??= this.load().catch((err) => {
      this.loading = undefined; // a failed load (store unavailable) is tried again by the next request
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<SigningKey> {
    const found = await this.stored();
    if (found) return imported(found);
    const pair = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const stored: StoredKey = { kid: await calculateJwkThumbprint(privateJwk), alg: SIGNING_ALGORITHM, privateJwk };
    const res = await this.store.txn({ op: 'create', key: SIGNING_KEY, value: stored });
    if (res.ok) return imported(stored);
    // Another API server created it meanwhile: everyone signs with the first one.
    const theirs = (res.current?.value as StoredKey | undefined) ?? (await this.stored());
    if (!theirs) throw new Error('the service account signing key could not be created or read');
    return imported(theirs);
  }

  private async stored(): Promise<StoredKey | undefined> {
    await this.store.sync?.();
    return this.store.get(SIGNING_KEY)?.value as StoredKey | undefined;
  }
}

async function imported(s: StoredKey): Promise<SigningKey> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = s.privateJwk;
  const privateKey = (await importJWK(s.privateJwk, s.alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, s.alg)) as CryptoKey;
  return { kid: s.kid, privateKey, publicKey };
}
