// What an e-mail address is, once for every form that takes one (the comment form and its notifications, the
// admin's account, bans) and for the mail sender. `local@domain`, where:
// - the domain has at least two labels, the last one letters (`fr`) or an internationalised one (`рф`); each
//   label is checked by idna.ts, so `exämple.fr` and `xn--exmple-cua.fr` are one valid domain and `xn--zz.fr`
//   (which decodes to nothing) is refused, on every Node version alike;
// - the local part is dot-separated words of letters, digits and `_ ' + -` (Zod's rule, which leaves out the
//   rarer characters RFC 5322 allows), where letters may be any script's (RFC 6531): `zoë@exämple.fr` is an
//   address, which only a mail server offering SMTPUTF8 can deliver (the sender says so when it cannot);
// - at most 64 octets before the @ and 254 in all, in the envelope's form (RFC 5321).
import { parseDomain } from './idna.ts'

export interface Address {
  /** As typed, NFC. */
  local: string
  /** Lower case, U-labels: `exämple.fr`. */
  domain: string
  /** Lower case, A-labels: `xn--exmple-cua.fr`. */
  asciiDomain: string
}

// One code point of a word: Zod's ASCII characters, or a letter, mark or digit of any script.
const WORD = String.raw`[\p{L}\p{M}\p{N}_'+-]`
const LOCAL_PART = new RegExp(String.raw`^${WORD}+(?:\.${WORD}+)*$`, 'u')
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/

const octets = (s: string) => Buffer.byteLength(s, 'utf8')

/** The address's parts, or null if it is not a valid address. Split at the last `@`. */
export function parseAddress(typed: string): Address | null {
  const s = typed.normalize('NFC')
  const at = s.lastIndexOf('@')
  if (at <= 0) return null
  const local = s.slice(0, at)
  if (!LOCAL_PART.test(local) || local.endsWith("'") || /^\p{M}/u.test(local) || octets(local) > 64) return null
  const domain = parseDomain(s.slice(at + 1))
  if (!domain) return null
  const labels = domain.ascii.split('.')
  if (labels.length < 2 || !TOP_LEVEL.test(labels.at(-1)!)) return null
  if (octets(local) + 1 + domain.ascii.length > 254) return null
  return { local, domain: domain.unicode, asciiDomain: domain.ascii }
}

export function isAddress(typed: string): boolean {
  return parseAddress(typed) !== null
}

/**
 * How an address is stored and shown: as typed before the @, the domain as people read it. Browsers send an
 * internationalised domain typed in an `<input type="email">` as its ASCII form (`xn--…`): both spellings of one
 * address are stored alike. An invalid address comes back as it was.
 */
export function readableAddress(typed: string): string {
  const a = parseAddress(typed)
  return a ? `${a.local}@${a.domain}` : typed
}

/** Does delivering to this address need a mail server that offers SMTPUTF8 (a local part that is not ASCII)? */
export function needsSmtpUtf8(a: Address): boolean {
  return /[^\x00-\x7f]/.test(a.local)
}

/**
 * The address as the SMTP envelope carries it. An ASCII local part goes with the ASCII domain, so the envelope
 * needs no SMTPUTF8 whatever the servers on the way offer (RFC 6531 3.4: do not ask for it when not needed).
 * A local part that is not ASCII cannot be converted: it goes as UTF-8, domain included, and only where the
 * server offers SMTPUTF8 (null otherwise).
 */
export function envelopeAddress(a: Address, smtpUtf8: boolean): string | null {
  if (!needsSmtpUtf8(a)) return `${a.local}@${a.asciiDomain}`
  return smtpUtf8 ? `${a.local}@${a.domain}` : null
}
