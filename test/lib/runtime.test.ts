// What Carnet relies on from its runtime, pinned so that a change of Node (20, 22, 24) that would change what the
// blog does shows here first, by name. No database: run it with any Node, e.g.
//   /path/to/node24 node_modules/vitest/vitest.mjs run --project sqlite test/lib/runtime.test.ts
// Each test says what it pins and where Carnet relies on it. Known differences between Node 20 and 24 that Carnet
// now decides itself (issue 30): `xn--` labels that are not valid Punycode (Node 24's URL parser and
// url.domainToASCII pass them through, Node 20's refuse them) and U+1E9E in a host (Node 20: "ss", Node 24: "ß").
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, createWriteStream, existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { readdirSync } from 'node:fs'
import { domainToASCII } from 'node:url'
import * as zlib from 'node:zlib'
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import secureSession from '@fastify/secure-session'
import Fastify from 'fastify'
import MailComposer from 'nodemailer/lib/mail-composer'
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { verifyPassword } from '../../src/admin/password.ts'
import { parseAddress } from '../../src/lib/address.ts'
import { parseDomain } from '../../src/lib/idna.ts'
import { mailTokens } from '../../src/mail/tokens.ts'
import { capabilityKey, sign } from '../../src/own-comments/capability.ts'
import { commentForm } from '../../src/comments/comments.schemas.ts'
import { PROJECT_ROOT } from '../../src/lib/root.ts'

describe('internationalised domain names', () => {
  // The address rule (src/lib/address.ts) converts domains itself; the URL parser converts the hosts of web
  // addresses (the comment form's `url`), and nodemailer the addresses in mail headers. For valid domains the three
  // must agree, or one address would be stored, matched and mailed under two names.
  const valid = ['exämple.fr', 'пример.рф', 'straße.de', 'col·legi.cat', '例え.jp', 'ελληνικά.gr', 'xn--exmple-cua.fr', 'EXÄMPLE.FR']
  it.each(valid)('converts %s as the URL parser and url.domainToASCII do', (domain) => {
    const ours = parseDomain(domain)!.ascii
    expect(new URL(`http://${domain}/`).hostname).toBe(ours)
    expect(domainToASCII(domain)).toBe(ours)
  })

  it('gives the answers of Carnet’s own rule, which does not ask node:url', () => {
    expect(parseDomain('exämple.fr')).toEqual({ ascii: 'xn--exmple-cua.fr', unicode: 'exämple.fr' })
    expect(parseDomain('xn--e1afmkfd.xn--p1ai')).toEqual({ ascii: 'xn--e1afmkfd.xn--p1ai', unicode: 'пример.рф' })
    // Node 20's url.domainToASCII: '' (refused); Node 24's: 'xn--zz.fr' (passed through). Ours: refused on both.
    expect(parseDomain('xn--zz.fr')).toBeNull()
    // Node 20: "strasse.de"; Node 24: "xn--strae-oqa.de". Ours: ß, on both.
    expect(parseDomain('stra\u1e9ee.de')!.ascii).toBe('xn--strae-oqa.de')
  })

  it('writes an internationalised recipient in a mail’s To header in ASCII form (nodemailer, through node:url)', async () => {
    const raw = await new MailComposer({ from: 'carnet@blog.test', to: 'zoe@exämple.fr', subject: 's', text: 't' }).compile().build()
    expect(raw.toString()).toMatch(/^To: zoe@xn--exmple-cua\.fr\r$/m)
    // The envelope is Carnet's (src/mail/sender.ts), from the same rule.
    expect(parseAddress('zoe@exämple.fr')!.asciiDomain).toBe('xn--exmple-cua.fr')
  })

  it('uses none of the built-ins Node 21 to 24 deprecate at run time or remove (node:punycode first)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    const gone = [
      /from ['"](node:)?punycode['"]/, // DEP0040, a warning at run time since Node 21
      /\burl\.parse\(/, // DEP0169
      /\butil\.is(Array|Boolean|Buffer|Date|Error|Function|Null|NullOrUndefined|Number|Object|Primitive|RegExp|String|Symbol|Undefined)\(/, // removed in 23
      /\bnew Buffer\(|\bSlowBuffer\b/, // DEP0005, DEP0030
      /\bprocess\.binding\(/, // DEP0111
      /\bfs\.[FRWX]_OK\b/, // DEP0176
    ]
    const users = files(join(PROJECT_ROOT, 'src')).filter((f) => gone.some((re) => re.test(readFileSync(f, 'utf8'))))
    expect(users).toEqual([])
  })
})

describe('the URL parser, on the web addresses the comment form takes (src/comments/comments.schemas.ts)', () => {
  const stored = (url: string) => {
    const parsed = commentForm.safeParse({ author: 'Jean', body: 'Bonjour.', url })
    return parsed.success ? parsed.data.url : 'refused'
  }
  // The comment's `url` is stored as the URL parser writes it (`href`): these are what readers' links point to.
  it.each([
    ['https://exämple.fr/chemin', 'https://xn--exmple-cua.fr/chemin'],
    ['HTTPS://EXAMPLE.ORG', 'https://example.org/'],
    ['https://пример.рф/путь?q=ё#х', 'https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?q=%D1%91#%D1%85'],
    ['https://example.org/a b', 'https://example.org/a%20b'],
    ['https://example.org/\'<>"`{}|', "https://example.org/'%3C%3E%22%60%7B%7D|"],
    ['https://ex%41mple.org/', 'https://example.org/'],
    ['https://example.org\\chemin', 'https://example.org/chemin'],
    ['http://127.1/', 'http://127.0.0.1/'],
    ['http://0x7f.0.0.1/', 'http://127.0.0.1/'],
    ['http://[::ffff:1.2.3.4]/', 'http://[::ffff:102:304]/'],
    ['http://a_b.example.org/', 'http://a_b.example.org/'],
    ['https://ａｂｃ.fr/', 'https://abc.fr/'],
    ['https://a\u00adb.fr/', 'https://ab.fr/'],
    ['https://xn--ls8h.la/', 'https://xn--ls8h.la/'],
    ['https://😀.example/', 'https://xn--e28h.example/'],
    ['https://faß.de/', 'https://xn--fa-hia.de/'],
    // Node 20 mapped U+1E9E to "ss", Node 24 to ß: the form maps it to ß first.
    ['http://stra\u1e9ee.de/Stra\u1e9ee', 'http://xn--strae-oqa.de/Stra%E1%BA%9Ee'],
    ['https://example.org:8080/', 'https://example.org:8080/'],
  ])('stores %s as %s', (typed, href) => {
    expect(stored(typed)).toBe(href)
  })

  it.each([
    // Node 20's URL parser refused these; Node 24's takes them: the form refuses them on both.
    'https://xn--zz.fr/',
    'https://xn--a.fr/',
    'https://ab.xn--/',
    'https://xn--55qx5d.xn--zz/',
    // An A-label that decodes to ASCII only (both Nodes took it; UTS 46 now calls it invalid).
    'https://xn--abc-.fr/',
    // Refused by the URL parser on both.
    'https://example.org:99999/',
    'http://999.1.1.1/',
    'https://a\u200db.fr/',
    'ftp://example.org/',
    'javascript:alert(1)',
  ])('refuses %s', (typed) => {
    expect(stored(typed)).toBe('refused')
  })
})

describe('crypto', () => {
  const key = Buffer.alloc(32, 7)
  it('signs mail links (HMAC-SHA-256, base64url, src/mail/tokens.ts) exactly as mails already sent carry them', () => {
    const tokens = mailTokens(key)
    expect(tokens.sign({ kind: 'confirm', addressId: 42 })).toBe('c42.jHrkpxI8SlAZOfKgZicd-XmP2D6')
    expect(tokens.verify('u1.qA50Osca4M1sR1Vn-F9p0WjuiXb')).toEqual({ kind: 'user', userId: 1 })
    expect(createHmac('sha256', 'k').update('x').digest('base64url')).not.toMatch(/[+/=]/)
  })

  it('derives the own-comment key (HKDF-SHA-256) and signs with it as cookies already given out expect', () => {
    expect(sign(capabilityKey(key), 5, '2026-12-06T12:00:00.000Z')).toBe('YKq7cA6jrBY9o3TbtXhofo')
  })

  it('verifies a password hash stored earlier (scrypt N=2^15, r=8, p=1 with an explicit maxmem)', async () => {
    const stored = 'scrypt$32768$8$1$AQEBAQEBAQEBAQEBAQEBAQ==$VbNoSjWVJn/k/LH4INsy6xWS/JA0CR2spHmaCrmYIGs='
    expect(await verifyPassword('correct horse battery', stored)).toBe(true)
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false)
  })

  it('opens an admin session cookie sealed earlier (@fastify/secure-session: libsodium through sodium-native)', async () => {
    const app = Fastify()
    await app.register(secureSession, { key, cookieName: 'carnet_session', cookie: { path: '/', httpOnly: true } })
    app.get('/', async (request) => String(request.session.get('adminId' as never)))
    // Sealed on Node 20 with this key on 2026-12-06 (committed at 14:35 UTC); an admin signed in before an upgrade
    // stays signed in. The plugin refuses a cookie older than its expiry (a day here): the clock is set to just after.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T14:40:00Z') })
    onTestFinished(() => void vi.useRealTimers())
    const cookie = 'carnet_session=Maue9tEA6NehYeqXzas4Fc6KWQo%2FYeu07hk2Pl0cWOpF2Ww2XBIyyxEfLZFCoxQ%3D%3BmtCB0s6DBR2tomD4VoVzCtzJ3vww5ocF'
    expect((await app.inject({ url: '/', headers: { cookie } })).body).toBe('1')
    expect((await app.inject({ url: '/', headers: { cookie: cookie.replace('Maue', 'Maud') } })).body).toBe('undefined')
    await app.close()
  })

  it('throws on buffers of different lengths in timingSafeEqual: every caller compares lengths first', () => {
    expect(() => timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))).toThrow(RangeError)
    expect(randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('Intl and Unicode (ICU)', () => {
  const d = new Date('2026-03-29T00:59:30.000Z')
  const fmt = (locale: string, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, opts).format(d)
  it('formats dates, times and numbers as the pages show them (src/i18n, src/lib/time.ts)', () => {
    const day = { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Europe/Paris' } as const
    const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Paris' } as const
    expect([fmt('fr', day), fmt('fr', time), fmt('fr', { month: 'long', year: 'numeric', timeZone: 'UTC' })]).toEqual([
      '29/03/2026',
      '01:59',
      'mars 2026',
    ])
    expect([fmt('en', day), fmt('en', time), fmt('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })]).toEqual([
      '03/29/2026',
      '01:59',
      'March 2026',
    ])
    // French groups digits with a narrow no-break space (the comment-length message, the media page).
    expect((10001).toLocaleString('fr-FR')).toBe('10\u202f001')
    expect(new Intl.NumberFormat('fr', { maximumFractionDigits: 1 }).format(1536.25)).toBe('1\u202f536,3')
    // src/lib/time.ts reads parts of an en-CA date; wallClock builds an ISO-like string from them.
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(d)
      .map((p) => `${p.type}:${p.value}`)
    expect(parts).toEqual(['year:2026', 'literal:-', 'month:03', 'literal:-', 'day:29'])
  })

  it('accepts the time zones a blog may be configured with, old and new names alike, and refuses others', () => {
    for (const tz of ['Europe/Paris', 'Europe/Kiev', 'Europe/Kyiv', 'America/Ciudad_Juarez', 'Asia/Calcutta', 'UTC', 'Etc/GMT+5']) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: tz }), tz).not.toThrow()
    }
    expect(() => new Intl.DateTimeFormat('en', { timeZone: 'Mars/Olympus' })).toThrow(RangeError)
  })

  it('folds text as the same-sender check and the link count do (NFKC, locale-free lower case)', () => {
    const fold = (s: string) => s.normalize('NFKC').toLocaleLowerCase('und')
    expect(['ＡＢＣ ｆｉ Ⅻ', 'İSTANBUL', 'ǅ', 'ẞ', 'ﬀ'].map(fold)).toEqual(['abc fi xii', 'i\u0307stanbul', 'dž', 'ß', 'ff'])
    expect('élodie'.charAt(0).toLocaleUpperCase('fr')).toBe('É')
  })
})

describe('node:net', () => {
  it('tells IP addresses as the configuration and bans read them (no short forms)', () => {
    expect([isIP('203.0.113.7'), isIP('2001:db8::1'), isIP('127.1'), isIP('0x7f.0.0.1'), isIP('::ffff:1.2.3.4')]).toEqual([4, 6, 0, 0, 6])
  })
})

describe('streams (uploads, imports, exports)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'carnet-runtime-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }))

  it('pipeline() writes every byte of an upload to its file and resolves once the file is closed', async () => {
    const path = join(dir, 'ok.bin')
    const bytes = Buffer.alloc(300_000, 'é')
    await pipeline(Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), createWriteStream(path, { flags: 'wx' }))
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  it('pipeline() rejects with the source’s error and destroys the file stream (src/media/store.ts then removes it)', async () => {
    const path = join(dir, 'broken.bin')
    const out = createWriteStream(path, { flags: 'wx' })
    const source = new PassThrough()
    const done = pipeline(source, out)
    source.write('début')
    source.destroy(new Error('client gone'))
    await expect(done).rejects.toThrow('client gone')
    expect(out.destroyed).toBe(true)
    expect(existsSync(path)).toBe(true)
  })

  it('signals back-pressure as the export waits for it (write() false, then "drain"; finished() at the end)', async () => {
    const chunks: Buffer[] = []
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk)
        setImmediate(cb)
      },
    })
    expect(slow.write(Buffer.alloc(2048))).toBe(false)
    await once(slow, 'drain')
    slow.end('fin')
    await finished(slow)
    expect(Buffer.concat(chunks).length).toBe(2048 + 3)
  })
})

describe('zlib (the page cache’s compressed copies)', () => {
  it('gives back the page from Brotli (text mode) and gzip', () => {
    const page = Buffer.from('<!DOCTYPE html><p>Les cigognes de Strasbourg 🕊️</p>'.repeat(50))
    const br = zlib.brotliCompressSync(page, {
      params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 5 },
    })
    expect(zlib.brotliDecompressSync(br).equals(page)).toBe(true)
    expect(zlib.gunzipSync(zlib.gzipSync(page)).equals(page)).toBe(true)
    expect(br.length).toBeLessThan(page.length / 10)
  })
})

describe('fetch (the tests’ client for the real server; src/ itself uses none)', () => {
  it('leaves a redirect to the caller, sends a form as urlencoded UTF-8, and gives each Set-Cookie apart', async () => {
    let seen: { type?: string; body: string } = { body: '' }
    const server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => (body += c))
      req.on('end', () => {
        seen = { type: req.headers['content-type'], body }
        res.writeHead(303, { location: '/ailleurs', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] }).end()
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ author: 'Zoë' }),
      })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/ailleurs')
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
      expect(seen).toEqual({ type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'author=Zo%C3%AB' })
    } finally {
      server.close()
    }
  })
})
