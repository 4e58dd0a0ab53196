// The blog's key pairs: RSASSA-PKCS1-v1_5 (HTTP Signatures, what Mastodon checks) and Ed25519 (Object Integrity
// Proofs). Generated once, by whichever instance needs them first, and kept in fedi_kv: every instance signs with
// the same keys, across restarts. Two instances starting together both generate a pair; only the first write is
// kept (insert … on conflict do nothing), and both read back that one.
import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

const KEYS_KEY = JSON.stringify(['carnet', 'keys'])

// Web Crypto's types as Fedify names them (the DOM's global names are not in a server build's lib).
type KeyPair = Awaited<ReturnType<typeof generateCryptoKeyPair>>
type JsonWebKey = Awaited<ReturnType<typeof exportJwk>>

interface StoredPair {
  privateKey: JsonWebKey
  publicKey: JsonWebKey
}

export async function loadKeyPairs(db: Kysely<Database>): Promise<KeyPair[]> {
  let row = await db.selectFrom('fedi_kv').select('value').where('key', '=', KEYS_KEY).executeTakeFirst()
  if (!row) {
    const made: StoredPair[] = []
    for (const algorithm of ['RSASSA-PKCS1-v1_5', 'Ed25519'] as const) {
      const pair = await generateCryptoKeyPair(algorithm)
      made.push({ privateKey: await exportJwk(pair.privateKey), publicKey: await exportJwk(pair.publicKey) })
    }
    await db
      .insertInto('fedi_kv')
      .values({ key: KEYS_KEY, value: JSON.stringify(made), expires_at: null })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
    row = await db.selectFrom('fedi_kv').select('value').where('key', '=', KEYS_KEY).executeTakeFirstOrThrow()
  }
  const stored = JSON.parse(row.value) as StoredPair[]
  return Promise.all(
    stored.map(async (p) => ({ privateKey: await importJwk(p.privateKey, 'private'), publicKey: await importJwk(p.publicKey, 'public') })),
  )
}
