// Signed tokens for the links in mails: confirm an address, unsubscribe. An HMAC of the session key (a key of
// its own derived from it, so a mail token can never pass for anything else) over a short payload: nothing to
// store, nothing to look up, and the address itself never appears in a link.
import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * c<address id>: confirm; s<subscription id>, a<address id>, u<user id>: unsubscribe from one, all, admin mails;
 * b<address id>: stop following the blog by e-mail (src/newsletter/), the rest kept.
 */
export type TokenSubject =
  | { kind: 'confirm'; addressId: number }
  | { kind: 'subscription'; subscriptionId: number }
  | { kind: 'address'; addressId: number }
  | { kind: 'user'; userId: number }
  | { kind: 'blog'; addressId: number }

const PREFIX = { confirm: 'c', subscription: 's', address: 'a', user: 'u', blog: 'b' } as const

export interface Tokens {
  sign(subject: TokenSubject): string
  verify(token: string): TokenSubject | null
}

export function mailTokens(sessionKey: Buffer): Tokens {
  const key = createHmac('sha256', sessionKey).update('carnet mail tokens').digest()
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url').slice(0, 27)
  return {
    sign(subject) {
      const id = subject.kind === 'subscription' ? subject.subscriptionId : subject.kind === 'user' ? subject.userId : subject.addressId
      const payload = `${PREFIX[subject.kind]}${id}`
      return `${payload}.${mac(payload)}`
    },
    verify(token) {
      const m = /^([csaub])(\d{1,15})\.([A-Za-z0-9_-]{27})$/.exec(token)
      if (!m) return null
      const expected = Buffer.from(mac(`${m[1]}${m[2]}`))
      const given = Buffer.from(m[3]!)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
      const id = Number(m[2])
      switch (m[1]) {
        case 'c':
          return { kind: 'confirm', addressId: id }
        case 's':
          return { kind: 'subscription', subscriptionId: id }
        case 'a':
          return { kind: 'address', addressId: id }
        case 'b':
          return { kind: 'blog', addressId: id }
        default:
          return { kind: 'user', userId: id }
      }
    },
  }
}
