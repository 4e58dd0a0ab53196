// The one rule for e-mail addresses (src/lib/address.ts, src/lib/idna.ts), as the comment form applies it. No
// database: this file runs on any Node (issue 30: Node 24's URL parser let `jean@xn--zz.fr` through where Node 20
// refused it; the answer must not depend on the runtime).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { envelopeAddress, isAddress, parseAddress, readableAddress } from '../../src/lib/address.ts'
import { decodePunycode, encodePunycode, parseDomain } from '../../src/lib/idna.ts'
import { commentForm } from '../../src/comments/comments.schemas.ts'

const commentEmail = (email: string) => {
  const parsed = commentForm.safeParse({ author: 'Jean', body: 'Bonjour.', email })
  return parsed.success ? { stored: parsed.data.email } : { error: parsed.error.issues.map((i) => i.message) }
}

describe('the comment form’s e-mail field', () => {
  it.each([
    ['jean@example.org', 'jean@example.org'],
    ['jean+blog@exämple.fr', 'jean+blog@exämple.fr'],
    ['jean+nfd@exa\u0308mple.fr', 'jean+nfd@exämple.fr'],
    // What Chromium sends for an internationalised domain typed in an <input type="email">.
    ['jean+puny@xn--exmple-cua.fr', 'jean+puny@exämple.fr'],
    ['jean@XN--EXMPLE-CUA.FR', 'jean@exämple.fr'],
    ['lecteur@пример.рф', 'lecteur@пример.рф'],
    ['lecteur@xn--e1afmkfd.xn--p1ai', 'lecteur@пример.рф'],
    ['a@col·legi.cat', 'a@col·legi.cat'],
    // A local part in another script (RFC 6531): deliverable through a server that offers SMTPUTF8.
    ['zoë@exämple.fr', 'zoë@exämple.fr'],
    ['O’Neil'.replace('’', "'") + '@example.org', "O'Neil@example.org"],
  ])('accepts %s, stored as %s', (typed, stored) => {
    expect(commentEmail(typed)).toEqual({ stored })
  })

  it.each([
    ['jean@xn--zz.fr', 'Punycode that ends in the middle of a number'],
    ['jean@xn--a.fr', 'Punycode that decodes to nothing valid'],
    ['jean@xn--abc-.fr', 'Punycode of a label that is all ASCII (Node 20 read it as abc.fr)'],
    ['jean@xn--exmple-cua-.fr', 'a hyphen after valid Punycode'],
    ['jean@xn--.fr', 'an empty A-label'],
    ['jean@xn--tda.xn--zz', 'a malformed top-level domain'],
    ['jean@xn--ls8h.la', 'a label of symbols (an emoji is not a letter in IDNA2008)'],
    ['jean@a\u00adb.fr', 'an invisible soft hyphen in the domain'],
    ['jean@ｅｘａｍｐｌｅ.fr', 'full-width letters (a compatibility form, not what people mean to read)'],
    ['jean@a·b.cat', 'a middle dot that is not between two l'],
    ['jean@-exemple.fr', 'a label that starts with a hyphen'],
    ['jean@exemple-.fr', 'a label that ends with a hyphen'],
    ['jean@exä mple.fr', 'a space'],
    ['jean@exämple', 'one label'],
    ['jean@1.2.3.4', 'a numeric top-level domain'],
    ['jéan@@exämple.fr', 'two @'],
    ['.jean@example.org', 'a local part that starts with a dot'],
    ['je..an@example.org', 'two dots in a row'],
    [`${'a'.repeat(65)}@example.org`, 'a local part over 64 octets'],
    [`jean@${'a'.repeat(64)}.fr`, 'a label over 63 octets'],
  ])('refuses %s (%s)', (typed) => {
    expect(commentEmail(typed)).toEqual({ error: ['errEmailInvalid'] })
  })
})

describe('RFC 3492 Punycode', () => {
  // Samples from RFC 3492 section 7.1 (A, B, I, L, S) and the two domains this suite uses most.
  it.each([
    ['\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F', 'egbpdaj6bu4bxfgehfvwxn'],
    ['\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587', 'ihqwcrb4cv8a8dqg056pqjye'],
    ['Pro\u010Dprost\u011Bnemluv\u00ED\u010Desky', 'Proprostnemluvesky-uyb24dma41a'],
    ['3\u5E74B\u7D44\u91D1\u516B\u5148\u751F', '3B-ww4c5e180e575a65lsy2b'],
    ['-> $1.00 <-', '-> $1.00 <--'],
    ['exämple', 'exmple-cua'],
    ['пример', 'e1afmkfd'],
  ])('encodes %s as %s and back', (unicode, ascii) => {
    expect(encodePunycode(unicode)).toBe(ascii)
    expect(decodePunycode(ascii)).toBe(unicode)
  })

  it('decodes whatever it encodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(decodePunycode(encodePunycode(s))).toBe(s)
      }),
    )
  })

  it('refuses what is not Punycode, and never throws', () => {
    for (const bad of ['zz', '99999999999', 'é', 'exmple-cu\u00e4']) expect(decodePunycode(bad)).toBeNull()
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => void decodePunycode(s)))
  })
})

describe('parseAddress()', () => {
  it('gives both forms of the domain', () => {
    expect(parseAddress('Zoe@ExÄmple.FR')).toEqual({ local: 'Zoe', domain: 'exämple.fr', asciiDomain: 'xn--exmple-cua.fr' })
    expect(parseDomain('exämple。fr')).toEqual({ ascii: 'xn--exmple-cua.fr', unicode: 'exämple.fr' })
    // U+1E9E (capital sharp s) is lower-cased to ß, as Node 24's URL parser does and Node 20's did not ("ss").
    expect(parseDomain('stra\u1e9ee.de')).toEqual({ ascii: 'xn--strae-oqa.de', unicode: 'straße.de' })
  })

  it('keeps an invalid address as typed', () => {
    expect(readableAddress('jean@xn--zz.fr')).toBe('jean@xn--zz.fr')
    expect(isAddress('pas une adresse')).toBe(false)
  })

  it('counts 254 octets at most in the envelope’s form', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.fr`
    expect(isAddress(`${'x'.repeat(254 - domain.length - 1)}@${domain}`)).toBe(true)
    expect(isAddress(`${'x'.repeat(255 - domain.length - 1)}@${domain}`)).toBe(false)
  })
})

describe('envelopeAddress()', () => {
  it('sends an ASCII local part with the ASCII domain, whether or not the server offers SMTPUTF8', () => {
    const a = parseAddress('zoe@exämple.fr')!
    expect(envelopeAddress(a, false)).toBe('zoe@xn--exmple-cua.fr')
    expect(envelopeAddress(a, true)).toBe('zoe@xn--exmple-cua.fr')
  })

  it('sends a local part that is not ASCII only through SMTPUTF8, then all in UTF-8', () => {
    const a = parseAddress('zoë@exämple.fr')!
    expect(envelopeAddress(a, false)).toBeNull()
    expect(envelopeAddress(a, true)).toBe('zoë@exämple.fr')
  })
})
