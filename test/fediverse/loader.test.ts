// The fediverse's remote documents (actors, keys, notes) come through Carnet's outbound rules: within a size
// and time limit, https only and from public addresses unless OUTBOUND_ALLOW_PRIVATE; the contexts Fedify keeps
// in memory (also when a server names them over http) cost no request. A real local server plays the other site.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getDocumentLoader } from '@fedify/fedify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { limited } from '../../src/fediverse/federation.ts'
import { OutboundRefused } from '../../src/lib/outbound.ts'

let server: Server
let base: string
const asked: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url!)
    res.setHeader('content-type', 'application/activity+json')
    if (req.url === '/users/alice') res.end(JSON.stringify({ id: `${base}/users/alice`, type: 'Person', name: 'Alice' }))
    else if (req.url === '/huge') res.end(JSON.stringify({ type: 'Note', content: 'x'.repeat(2 * 1024 * 1024) }))
    else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const loader = (allowPrivate: boolean) => limited(getDocumentLoader({ allowPrivateAddress: allowPrivate }), allowPrivate, 'Carnet/test')

describe('remote documents', () => {
  it('reads an actor within the limits', async () => {
    const doc = await loader(true)(`${base}/users/alice`)
    expect(doc.document).toMatchObject({ type: 'Person', name: 'Alice' })
    expect(doc.documentUrl).toBe(`${base}/users/alice`)
  })

  it('refuses a document bigger than 1 MB, a missing one, and http or a private address without the setting', async () => {
    await expect(loader(true)(`${base}/huge`)).rejects.toBeInstanceOf(OutboundRefused)
    await expect(loader(true)(`${base}/gone`)).rejects.toThrow(/HTTP 404/)
    const before = asked.length
    await expect(loader(false)(`${base}/users/alice`)).rejects.toThrow(/not https/)
    await expect(loader(false)(`https://127.0.0.1:${new URL(base).port}/users/alice`)).rejects.toBeInstanceOf(OutboundRefused)
    expect(asked.length).toBe(before)
  })

  it('serves the contexts it knows from memory, also under their old http names', async () => {
    const before = asked.length
    for (const url of ['https://www.w3.org/ns/activitystreams', 'http://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']) {
      const doc = await loader(false)(url)
      expect(doc.documentUrl).toBe(url)
      expect(JSON.stringify(doc.document)).toContain('@context')
    }
    expect(asked.length).toBe(before)
  })
})
