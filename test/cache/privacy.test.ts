// What the caches may share: a request is public unless a feature declared its address, a cookie or another
// representation of it private (src/cache/policy.ts). The page cache's front asks this before Fastify sees the
// request, so the rules are checked here on Node's own request shape.
import { describe, expect, it } from 'vitest'
import { RequestPrivacy } from '../../src/cache/policy.ts'

function privacy(): RequestPrivacy {
  const p = new RequestPrivacy()
  p.declarePrivatePrefix('/admin')
  p.declarePrivatePrefix('/mail/')
  p.declarePrivateCookie('carnet_session')
  p.declareOtherRepresentation((request) => /activity\+json/.test(request.headers.accept ?? ''))
  return p
}

const get = (url: string, headers: Record<string, string> = {}) => ({ method: 'GET', url, headers })

describe('RequestPrivacy', () => {
  it('keeps a declared prefix, its sub-addresses and its queries private, and nothing that merely starts like it', () => {
    const p = privacy()
    for (const url of ['/admin', '/admin/', '/admin/posts', '/admin?x=1', '/mail', '/mail/', '/mail/confirm?t=1', '/mail?t=1'])
      expect(p.isPublic(get(url)), url).toBe(false)
    for (const url of ['/', '/administration.html', '/adminx', '/mailbox.html', '/archive/2026/12/07/admin.html', '/?admin'])
      expect(p.isPublic(get(url)), url).toBe(true)
  })

  it('makes a request with a private cookie private, whatever else it carries', () => {
    const p = privacy()
    expect(p.isPublic(get('/', { cookie: 'theme=dark; carnet_session=abc' }))).toBe(false)
    expect(p.isPublic(get('/', { cookie: 'carnet_session_old=abc; theme=dark' }))).toBe(true)
  })

  it('leaves other methods and other representations to their routes', () => {
    const p = privacy()
    expect(p.isPublic({ method: 'POST', url: '/', headers: {} })).toBe(false)
    expect(p.isPublic({ method: 'HEAD', url: '/', headers: {} })).toBe(true)
    expect(p.isPublic(get('/', { accept: 'application/activity+json' }))).toBe(false)
  })

  it('counts a prefix declared twice once', () => {
    const p = new RequestPrivacy()
    p.declarePrivatePrefix('/preview')
    p.declarePrivatePrefix('/preview/')
    expect(p.isPublic(get('/preview/3'))).toBe(false)
    expect(p.isPublic(get('/previews'))).toBe(true)
  })
})
