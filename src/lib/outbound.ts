// Every request Carnet makes to another site (a webmention's source, an endpoint, a fediverse server) goes
// through here, because the address comes from strangers: a link could point the blog at its own network (an
// admin panel on 127.0.0.1, a cloud's metadata service on 169.254.169.254), or at a page that never ends.
// - Only http(s) (https alone where the caller asks), and every address a name resolves to is checked when the
//   connection is made (the lookup below), so a name cannot resolve to a public address for a check and a
//   private one for the connection. Redirects are followed here, each hop checked the same way.
// - A deadline for the whole exchange and a size limit on the answer, both enforced while it streams in.
// OUTBOUND_ALLOW_PRIVATE lets tests (two blogs on 127.0.0.x) and intranet blogs reach private addresses.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/** The request was not made, or was cut: a refused address or scheme, too many redirects, too big, too slow. */
export class OutboundRefused extends Error {}

export interface OutboundOptions {
  /** Loopback and private addresses allowed (app.config.outboundAllowPrivate). */
  allowPrivate: boolean
  /** Refuse http: (ActivityPub objects). */
  httpsOnly?: boolean
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** For the whole exchange, redirects included (default 10 s). */
  timeoutMs?: number
  /** Largest answer body (default 1 MB). */
  maxBytes?: number
  /** Default 5; 0 answers the redirect itself. */
  maxRedirects?: number
  /** Sent as User-Agent (default "Carnet"). */
  userAgent?: string
}

export interface OutboundResponse {
  status: number
  /** The address that answered, after redirects. */
  url: string
  headers: Headers
  body: Buffer
  /** The body as text, in the charset the answer names (UTF-8 by default). */
  text(): string
}

/** Addresses that are not the public internet (IANA special-purpose registries). */
const PRIVATE = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6')

/** Whether an IP address is outside the public internet (loopback, private, link-local, reserved…). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  if (family === 6) {
    // An IPv4 address written in IPv6 (::ffff:10.0.0.1, ::ffff:a00:1) is judged as the IPv4 one.
    // (BlockList would match a mapped rule against every IPv4 address: hence no ::ffff:0:0/96 rule above.)
    const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address)
    if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4')
    if (mapped) {
      const high = parseInt(mapped[2]!, 16)
      const low = parseInt(mapped[3]!, 16)
      return PRIVATE.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4')
    }
    return PRIVATE.check(address, 'ipv6')
  }
  return PRIVATE.check(address, 'ipv4')
}

/** A lookup that refuses names resolving to a private address (any of them: the connection could take it). */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const list = addresses as LookupAddress[]
      const refused = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address))
      if (refused || list.length === 0) {
        return callback(new OutboundRefused(`${hostname} resolves to a private address (${refused?.address ?? 'none'})`), '', 0)
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: LookupAddress[]) => void)(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    })
  }
}

function checkUrl(url: URL, options: OutboundOptions): void {
  if (url.protocol !== 'https:' && (options.httpsOnly || url.protocol !== 'http:')) {
    throw new OutboundRefused(`${url.protocol} addresses are not fetched${options.httpsOnly ? ' (https only)' : ''}`)
  }
  if (url.username || url.password) throw new OutboundRefused('addresses with credentials are not fetched')
  // A literal address is checked here (the lookup is not called for one).
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) && !options.allowPrivate && isPrivateAddress(host)) throw new OutboundRefused(`${host} is a private address`)
}

/** One exchange, without following redirects. */
function exchange(url: URL, options: OutboundOptions, deadline: number, signal: AbortSignal): Promise<OutboundResponse> {
  const maxBytes = options.maxBytes ?? 1_000_000
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http
    const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'Carnet', ...options.headers }
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body))
    const request = client.request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        lookup: guardedLookup(options.allowPrivate),
        signal,
        timeout: Math.max(1, deadline - Date.now()),
      },
      (response) => {
        const declared = Number(response.headers['content-length'])
        if (Number.isFinite(declared) && declared > maxBytes) {
          response.destroy()
          return reject(new OutboundRefused(`the answer is ${declared} bytes, more than ${maxBytes}`))
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) {
            response.destroy()
            reject(new OutboundRefused(`the answer is more than ${maxBytes} bytes`))
          } else chunks.push(chunk)
        })
        response.on('error', reject)
        response.on('end', () => {
          const body = Buffer.concat(chunks)
          const responseHeaders = new Headers()
          for (const [name, value] of Object.entries(response.headers)) {
            if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v)
            else if (value !== undefined) responseHeaders.set(name, value)
          }
          resolve({
            status: response.statusCode ?? 0,
            url: url.href,
            headers: responseHeaders,
            body,
            text() {
              const charset = /charset\s*=\s*"?([\w-]+)/i.exec(responseHeaders.get('content-type') ?? '')?.[1] ?? 'utf-8'
              try {
                return new TextDecoder(charset).decode(body)
              } catch {
                return new TextDecoder('utf-8').decode(body)
              }
            },
          })
        })
      },
    )
    request.on('timeout', () => request.destroy(new OutboundRefused(`no answer from ${url.host} in time`)))
    request.on('error', (err) => reject(err.name === 'AbortError' ? new OutboundRefused(`no answer from ${url.host} in time`) : err))
    if (options.body !== undefined) request.end(options.body)
    else request.end()
  })
}

/** Makes a request to another site, within the limits above. Network errors reject as they are; limits with OutboundRefused. */
export async function outboundFetch(address: string | URL, options: OutboundOptions): Promise<OutboundResponse> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), Math.max(1, deadline - Date.now()))
  try {
    let url: URL
    try {
      url = new URL(address)
    } catch {
      throw new OutboundRefused(`not an address: ${String(address).slice(0, 200)}`)
    }
    let hopOptions = options
    for (let hops = 0; ; hops++) {
      checkUrl(url, options)
      const response = await exchange(url, hopOptions, deadline, controller.signal)
      const location = response.headers.get('location')
      if (![301, 302, 303, 307, 308].includes(response.status) || !location || (options.maxRedirects ?? 5) === 0) return response
      if (hops >= (options.maxRedirects ?? 5)) throw new OutboundRefused(`more than ${options.maxRedirects ?? 5} redirects`)
      url = new URL(location, url)
      // 303, and 301/302 after a POST, continue as a GET without the body (as browsers do).
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && (hopOptions.method ?? 'GET') === 'POST')) {
        const headers = Object.fromEntries(
          Object.entries(hopOptions.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type'),
        )
        hopOptions = { ...hopOptions, method: 'GET', body: undefined, headers }
      }
    }
  } finally {
    clearTimeout(timer)
  }
}
