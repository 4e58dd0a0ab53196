// Requests to other sites: a real local server stands for the other site (loopback: allowed only with the
// setting, which is the point of the first tests).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPrivateAddress, outboundFetch, OutboundRefused } from '../../src/lib/outbound.ts'

let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    if (url.pathname === '/hello') {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(`<p>Bonjour ${req.method} ${req.headers['user-agent']}</p>`)
    } else if (url.pathname === '/latin1') {
      res.setHeader('content-type', 'text/plain; charset=iso-8859-1')
      res.end(Buffer.from('café', 'latin1'))
    } else if (url.pathname === '/hop') {
      const n = Number(url.searchParams.get('n'))
      res.statusCode = 302
      res.setHeader('location', n > 0 ? `/hop?n=${n - 1}` : '/hello')
      res.end()
    } else if (url.pathname === '/to-file') {
      res.statusCode = 301
      res.setHeader('location', 'file:///etc/passwd')
      res.end()
    } else if (url.pathname === '/see-other') {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        res.statusCode = 303
        res.setHeader('location', `/hello?had=${encodeURIComponent(body)}`)
        res.end()
      })
    } else if (url.pathname === '/endless') {
      // No content-length: the limit must hold while the body streams in.
      const chunk = Buffer.alloc(64 * 1024, 'a')
      const write = () => {
        while (res.write(chunk));
        res.once('drain', write)
      }
      res.on('error', () => {})
      write()
    } else if (url.pathname === '/declared') {
      res.setHeader('content-length', String(50_000_000))
      res.write('x')
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end('late'), 5_000).unref()
    } else {
      res.statusCode = 404
      res.end('no')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const allowed = { allowPrivate: true }

describe('outboundFetch', () => {
  it('refuses loopback and private addresses unless allowed, by literal address or by name', async () => {
    await expect(outboundFetch(`${base}/hello`, { allowPrivate: false })).rejects.toBeInstanceOf(OutboundRefused)
    const port = new URL(base).port
    await expect(outboundFetch(`http://localhost:${port}/hello`, { allowPrivate: false })).rejects.toThrow(/private address/)
    await expect(outboundFetch(`http://[::ffff:127.0.0.1]:${port}/hello`, { allowPrivate: false })).rejects.toBeInstanceOf(OutboundRefused)
    const ok = await outboundFetch(`${base}/hello`, allowed)
    expect(ok.status).toBe(200)
    expect(ok.text()).toBe('<p>Bonjour GET Carnet</p>')
  })

  it('fetches only http(s), and only https when asked', async () => {
    for (const address of ['file:///etc/passwd', 'ftp://example.org/x', 'javascript:alert(1)', 'gopher://127.0.0.1/', 'not an address']) {
      await expect(outboundFetch(address, allowed)).rejects.toBeInstanceOf(OutboundRefused)
    }
    await expect(outboundFetch(`${base}/hello`, { ...allowed, httpsOnly: true })).rejects.toThrow(/https only/)
    await expect(outboundFetch(base.replace('http://', 'http://user:pw@') + '/hello', allowed)).rejects.toThrow(/credentials/)
  })

  it('follows redirects, checking each hop, up to a limit', async () => {
    const followed = await outboundFetch(`${base}/hop?n=3`, allowed)
    expect(followed.status).toBe(200)
    expect(followed.url).toBe(`${base}/hello`)
    await expect(outboundFetch(`${base}/hop?n=9`, allowed)).rejects.toThrow(/more than 5 redirects/)
    await expect(outboundFetch(`${base}/to-file`, allowed)).rejects.toBeInstanceOf(OutboundRefused)
    const unfollowed = await outboundFetch(`${base}/hop?n=0`, { ...allowed, maxRedirects: 0 })
    expect(unfollowed.status).toBe(302)
  })

  it('continues a POST answered 303 as a GET without its body', async () => {
    const answer = await outboundFetch(`${base}/see-other`, {
      ...allowed,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'source=a&target=b',
    })
    expect(answer.text()).toBe('<p>Bonjour GET Carnet</p>')
  })

  it('cuts an answer bigger than the limit, declared or streamed, and one that comes too late', async () => {
    await expect(outboundFetch(`${base}/endless`, { ...allowed, maxBytes: 200_000 })).rejects.toThrow(/more than 200000 bytes/)
    await expect(outboundFetch(`${base}/declared`, allowed)).rejects.toThrow(/50000000 bytes/)
    const started = Date.now()
    await expect(outboundFetch(`${base}/slow`, { ...allowed, timeoutMs: 300 })).rejects.toThrow(/in time/)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('reads the text in the charset the answer names', async () => {
    expect((await outboundFetch(`${base}/latin1`, allowed)).text()).toBe('café')
  })
})

describe('isPrivateAddress', () => {
  it('knows the special-purpose ranges of both families', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:a00:1',
      '64:ff9b::a00:1',
      'not-an-ip',
    ])
      expect(isPrivateAddress(address), address).toBe(true)
    for (const address of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2a01:4f8::1'])
      expect(isPrivateAddress(address), address).toBe(false)
  })
})
