import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalIp, inNetwork, ipMatches, networkOf, parseIp } from '../../src/comments/ip.ts'
import { banCovers, banValue, foldName } from '../../src/comments/bans.ts'

describe('IP addresses as bans read them', () => {
  it('writes one canonical form for every spelling', () => {
    expect(canonicalIp(' 203.0.113.7 ')).toBe('203.0.113.7')
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1')
    expect(canonicalIp('2001:db8::0:1')).toBe('2001:db8::1')
    expect(canonicalIp('[2001:db8::1]')).toBe('2001:db8::1')
    // IPv4-mapped IPv6, dotted or in hex, is the IPv4 address.
    expect(canonicalIp('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(canonicalIp('::FFFF:cb00:7107')).toBe('203.0.113.7')
    expect(canonicalIp('::1')).toBe('::1')
  })

  it('refuses what is not an address', () => {
    for (const bad of [
      '',
      '203.0.113',
      '203.0.113.256',
      '1.2.3.4.5',
      'fe80::1%eth0',
      '2001:db8::/64',
      '203.0.113.0/24',
      'gggg::1',
      'exemple.fr',
      '01.2.3.4',
    ]) {
      expect(parseIp(bad), bad).toBeNull()
    }
  })

  it('puts an IPv4 address in its /24 and an IPv6 one in its /64', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24')
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24')
    expect(networkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64')
    expect(inNetwork('203.0.113.200', '203.0.113.0/24')).toBe(true)
    expect(inNetwork('::ffff:203.0.113.200', '203.0.113.0/24')).toBe(true)
    expect(inNetwork('203.0.114.1', '203.0.113.0/24')).toBe(false)
    expect(inNetwork('2001:db8:1:2::99', '2001:db8:1:2::/64')).toBe(true)
    expect(inNetwork('2001:db8:1:3::99', '2001:db8:1:2::/64')).toBe(false)
    // An IPv6 address never falls in an IPv4 network, nor the reverse.
    expect(inNetwork('::cb00:7101', '203.0.113.0/24')).toBe(false)
    expect(inNetwork('not an ip', '203.0.113.0/24')).toBe(false)
  })

  it('matches one address in any spelling, and only it', () => {
    expect(ipMatches('::ffff:203.0.113.7', '203.0.113.7')).toBe(true)
    expect(ipMatches('203.0.113.8', '203.0.113.7')).toBe(false)
    expect(ipMatches('2001:0db8::0001', '2001:db8::1')).toBe(true)
  })
})

describe('ban values', () => {
  it('fold names for case, accents and spacing, and match them whole', () => {
    expect(foldName('  Zoë   TROLL ')).toBe('zoe troll')
    const ban = { kind: 'name' as const, value: banValue('name', 'Zoë Troll')! }
    expect(banCovers(ban, { name: 'ZOE troll', email: null, ip: null })).toBe(true)
    expect(banCovers(ban, { name: 'Zoé Trolle', email: null, ip: null })).toBe(false)
  })

  it('fold a folded name to itself, so that a ban matches the name it was typed as (stored folded, compared folded again)', () => {
    // Capital sharp s lower-cases to ß, which upper-cases to SS: one round of case folding is not enough.
    expect(foldName('STRAẞE')).toBe('strasse')
    const anyName = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }))
    fc.assert(
      fc.property(anyName, (name) => {
        const ban = { kind: 'name' as const, value: foldName(name) }
        return foldName(ban.value) === ban.value && (ban.value === '' || banCovers(ban, { name, email: null, ip: null }))
      }),
      { numRuns: 5000 },
    )
  })

  it('cover sub-addresses of an e-mail ban only when it says so, and only name+tag at the same domain', () => {
    const ban = { kind: 'email' as const, value: banValue('email', 'Nom@Exemple.fr')! }
    const covers = (email: string, subaddresses: number) => banCovers({ ...ban, subaddresses }, { name: 'x', email, ip: null })
    expect(covers('nom+blog@exemple.fr', 1)).toBe(true)
    expect(covers('NOM+@EXEMPLE.FR', 1)).toBe(true)
    expect(covers('nom+blog@exemple.fr', 0)).toBe(false)
    expect(covers('nom@exemple.fr', 0)).toBe(true)
    for (const other of ['nomx@exemple.fr', 'nom+blog@exemple.fr.evil', 'nom+blog@autre.fr', 'x+nom@exemple.fr', 'nom-blog@exemple.fr'])
      expect(covers(other, 1), other).toBe(false)
  })

  it('compare e-mail addresses without case', () => {
    const ban = { kind: 'email' as const, value: banValue('email', 'Troll@Exemple.FR')! }
    expect(banCovers(ban, { name: 'x', email: 'troll@exemple.fr', ip: null })).toBe(true)
    expect(banCovers(ban, { name: 'x', email: null, ip: null })).toBe(false)
  })

  it('compare an internationalised domain in either spelling (a browser sends xn--, the comment is stored readable)', () => {
    for (const typed of ['troll@xn--exmple-cua.fr', 'Troll@EXÄMPLE.fr']) {
      const ban = { kind: 'email' as const, value: banValue('email', typed)!, subaddresses: 1 }
      expect(banCovers(ban, { name: 'x', email: 'troll@exämple.fr', ip: null })).toBe(true)
      expect(banCovers(ban, { name: 'x', email: 'troll+x@xn--exmple-cua.fr', ip: null })).toBe(true)
      expect(banCovers(ban, { name: 'x', email: 'troll@example.fr', ip: null })).toBe(false)
    }
  })

  it('refuse an IP value that is not an address', () => {
    expect(banValue('ip', '999.1.1.1')).toBeNull()
    expect(banValue('network', 'exemple')).toBeNull()
  })
})
