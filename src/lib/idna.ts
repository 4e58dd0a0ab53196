// Internationalised domain names, decided here rather than by node:url. Its domainToASCII/domainToUnicode follow
// the URL Standard and change with Node's URL parser: Node 20 refuses `xn--zz.fr` (a label that does not decode)
// where Node 24 passes it through unchanged, and the two map U+1E9E differently. An address that is valid on one
// Node and not on the other would make the blog's answers depend on its runtime, so the rule is ours: RFC 3492
// Punycode written out below, and the label checks of IDNA2008 (RFC 5891, 5892) that matter for a domain people
// type: letters, digits, combining marks and hyphens only, lower case, NFC. Not checked: the Bidi rule (RFC 5893)
// and the contextual rules beyond the Catalan middle dot and the Katakana middle dot.

const BASE = 36
const TMIN = 1
const TMAX = 26
const SKEW = 38
const DAMP = 700
const INITIAL_BIAS = 72
const INITIAL_N = 128
const MAX_CODE_POINT = 0x10ffff

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / DAMP) : delta >> 1
  d += Math.floor(d / points)
  let k = 0
  while (d > ((BASE - TMIN) * TMAX) >> 1) {
    d = Math.floor(d / (BASE - TMIN))
    k += BASE
  }
  return k + Math.floor(((BASE - TMIN + 1) * d) / (d + SKEW))
}

const digitValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 22 : c >= 0x41 && c <= 0x5a ? c - 0x41 : c >= 0x61 && c <= 0x7a ? c - 0x61 : BASE
const digitChar = (d: number): string => String.fromCharCode(d < 26 ? d + 0x61 : d + 22)

/** RFC 3492 decoding of a label's Punycode part (without `xn--`), or null if it is not valid Punycode. */
export function decodePunycode(input: string): string | null {
  if (/[^\x20-\x7e]/.test(input)) return null
  const delimiter = input.lastIndexOf('-')
  const output: number[] = []
  for (let j = 0; j < Math.max(delimiter, 0); j++) output.push(input.charCodeAt(j))
  let n = INITIAL_N
  let i = 0
  let bias = INITIAL_BIAS
  for (let pos = delimiter > 0 ? delimiter + 1 : 0; pos < input.length;) {
    const oldi = i
    let w = 1
    for (let k = BASE; ; k += BASE) {
      if (pos >= input.length) return null // the number ends in the middle
      const digit = digitValue(input.charCodeAt(pos++))
      if (digit >= BASE) return null
      i += digit * w
      if (i > MAX_CODE_POINT * (output.length + 1) * 2) return null // no code point could come of it
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias
      if (digit < t) break
      w *= BASE - t
    }
    const points = output.length + 1
    bias = adapt(i - oldi, points, oldi === 0)
    n += Math.floor(i / points)
    i %= points
    if (n > MAX_CODE_POINT || (n >= 0xd800 && n <= 0xdfff)) return null
    output.splice(i++, 0, n)
  }
  return String.fromCodePoint(...output)
}

/** RFC 3492 encoding of a label (the part after `xn--`). */
export function encodePunycode(input: string): string {
  const points = [...input].map((c) => c.codePointAt(0)!)
  let output = points
    .filter((c) => c < 0x80)
    .map((c) => String.fromCharCode(c))
    .join('')
  const basic = output.length
  let handled = basic
  if (basic > 0) output += '-'
  let n = INITIAL_N
  let delta = 0
  let bias = INITIAL_BIAS
  while (handled < points.length) {
    const m = Math.min(...points.filter((c) => c >= n))
    delta += (m - n) * (handled + 1)
    n = m
    for (const c of points) {
      if (c < n) delta++
      if (c !== n) continue
      let q = delta
      for (let k = BASE; ; k += BASE) {
        const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias
        if (q < t) break
        output += digitChar(t + ((q - t) % (BASE - t)))
        q = Math.floor((q - t) / (BASE - t))
      }
      output += digitChar(q)
      bias = adapt(delta, handled + 1, handled === basic)
      delta = 0
      handled++
    }
    delta++
    n++
  }
  return output
}

// Letters (lower-case or caseless), digits, combining marks, the hyphen; the two middle dots IDNA2008 allows in
// context are checked apart.
const U_LABEL = /^[\p{Ll}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}\u00b7\u30fb-]+$/u
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/

/** Is this (already mapped) Unicode label a valid U-label? */
function isULabel(label: string): boolean {
  if (!/[^\x00-\x7f]/.test(label)) return false // all ASCII: not an internationalised label
  if (!U_LABEL.test(label) || /^\p{M}/u.test(label)) return false
  if (label !== label.normalize('NFC') || label !== label.normalize('NFKC') || label !== label.toLowerCase()) return false
  if (label.startsWith('-') || label.endsWith('-') || label.slice(2, 4) === '--') return false
  // RFC 5892 appendix A.3 and A.7: "l·l" in Catalan; the Katakana middle dot beside Japanese script.
  if (/(?<!l)\u00b7|\u00b7(?!l)/.test(label)) return false
  if (/\u30fb/.test(label) && !/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(label.replace(/\u30fb/g, ''))) return false
  return true
}

/** A label as typed, mapped the way people mean it: NFC, lower case. Compatibility forms are not mapped (refused). */
const mapLabel = (label: string) => label.normalize('NFC').toLowerCase().normalize('NFC')

/** One label in both forms, or null if it is not a valid label. */
function convertLabel(typed: string): { ascii: string; unicode: string } | null {
  const label = mapLabel(typed)
  if (!/[^\x00-\x7f]/.test(label)) {
    if (label.length > 63 || !LDH_LABEL.test(label)) return null
    if (!label.startsWith('xn--')) return { ascii: label, unicode: label }
    // An A-label: it must decode, be a valid U-label, and be exactly what that U-label encodes to.
    const unicode = decodePunycode(label.slice(4))
    if (unicode === null || !isULabel(unicode) || `xn--${encodePunycode(unicode)}` !== label) return null
    return { ascii: label, unicode }
  }
  if (!isULabel(label)) return null
  const ascii = `xn--${encodePunycode(label)}`
  return ascii.length > 63 ? null : { ascii, unicode: label }
}

// U+3002, U+FF0E and U+FF61 are full stops too (UTS 46, and browsers, read them so).
const LABEL_SEPARATORS = /[.\u3002\uff0e\uff61]/

export interface Domain {
  /** A-labels, lower case: what DNS and an SMTP envelope without SMTPUTF8 carry (`xn--exmple-cua.fr`). */
  ascii: string
  /** U-labels, lower case, NFC: what people read (`exämple.fr`). */
  unicode: string
}

/**
 * A host name in both forms, or null: every label valid (letters, digits and inner hyphens, or a valid
 * internationalised label in either form), at most 63 octets each and 253 in all. No trailing dot.
 */
export function parseDomain(typed: string): Domain | null {
  const labels = typed.split(LABEL_SEPARATORS).map(convertLabel)
  if (labels.some((l) => l === null)) return null
  const ascii = labels.map((l) => l!.ascii).join('.')
  if (ascii.length > 253) return null
  return { ascii, unicode: labels.map((l) => l!.unicode).join('.') }
}

/**
 * A URL's host, as the URL parser wrote it (lower case, mapped, A-labels), judged the same way on every Node:
 * each `xn--` label must be Punycode that decodes to something a URL parser could have encoded (not all ASCII,
 * no controls, spaces or capitals, NFC) and encodes back to itself. Node 24 lets `xn--zz` through where Node 20
 * refused it. Other labels are the URL parser's business (it allows `a_b`, symbols, emoji).
 */
export function isUrlHostValid(hostname: string): boolean {
  return hostname.split('.').every((label) => {
    if (!label.startsWith('xn--')) return true
    const unicode = decodePunycode(label.slice(4))
    return (
      unicode !== null &&
      /[^\x00-\x7f]/.test(unicode) &&
      !/[\p{C}\p{Z}\p{Lu}]/u.test(unicode) &&
      unicode === unicode.normalize('NFC') &&
      `xn--${encodePunycode(unicode)}` === label
    )
  })
}

/** A URL's host with its `xn--` labels decoded (as people read it); a label that does not decode stays as it is. */
export function urlHostToUnicode(hostname: string): string {
  return hostname
    .split('.')
    .map((label) => (label.startsWith('xn--') ? (decodePunycode(label.slice(4)) ?? label) : label))
    .join('.')
}
