import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { utf8 } from '../../src/lib/utf8.ts'

describe('utf8()', () => {
  it('gives the same bytes as Buffer.from for any text, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        expect(utf8(text).equals(Buffer.from(text))).toBe(true)
      }),
    )
  })

  it('gives each text bytes of its own, and handles texts bigger than its scratch memory', () => {
    const a = utf8('première page, déjà')
    const b = utf8('seconde')
    expect(a.toString()).toBe('première page, déjà')
    expect(b.toString()).toBe('seconde')
    const big = 'é'.repeat(600_000)
    expect(utf8(big).equals(Buffer.from(big))).toBe(true)
  })
})
