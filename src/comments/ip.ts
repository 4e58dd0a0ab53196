// IP addresses as bans compare them. An address arrives in many spellings (`::ffff:203.0.113.7` from a
// dual-stack socket, `2001:DB8::0:1`, `2001:db8:0:0::1`): each is read into its bytes, an IPv4-mapped IPv6
// address counts as the IPv4 address it carries, and the canonical text is written from the bytes.
import { isIPv4, isIPv6 } from 'node:net'

export interface Ip {
  version: 4 | 6
  /** 4 or 16 bytes. */
  bytes: Uint8Array
}

/** The prefix a "network" ban covers: a /24 for IPv4 (256 addresses), a /64 for IPv6 (one site's subnet). */
export const NETWORK_PREFIX = { 4: 24, 6: 64 } as const

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number))
}

function ipv6Bytes(text: string): Uint8Array {
  let s = text
  // A trailing dotted IPv4 part (`::ffff:1.2.3.4`) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (dotted) {
    const b = ipv4Bytes(dotted[1]!)
    s = s.slice(0, -dotted[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined]
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    const n = parseInt(g, 16)
    bytes[i * 2] = n >> 8
    bytes[i * 2 + 1] = n & 0xff
  })
  return bytes
}

/** `::ffff:0:0/96`: an IPv4 address carried in IPv6. */
function isMapped(bytes: Uint8Array): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
}

/** The address in `text` (surrounding spaces and `[ ]` allowed; no zone, no prefix), or null. */
export function parseIp(text: string): Ip | null {
  const s = text.trim().replace(/^\[(.*)\]$/, '$1')
  if (isIPv4(s)) return { version: 4, bytes: ipv4Bytes(s) }
  if (!isIPv6(s) || s.includes('%')) return null
  const bytes = ipv6Bytes(s)
  return isMapped(bytes) ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes }
}

/** The canonical text of an address: dotted IPv4, or compressed lower-case IPv6 (RFC 5952, as URL writes it). */
export function formatIp(ip: Ip): string {
  if (ip.version === 4) return Array.from(ip.bytes).join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16))
  // WHATWG URL compresses the longest run of zero groups, as RFC 5952 asks.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

/** The address with every bit after the prefix cleared. */
function masked(ip: Ip, prefix: number): Ip {
  const bytes = ip.bytes.slice()
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7))
  return { version: ip.version, bytes }
}

/** The canonical form of an address (null when it is not one). */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text)
  return ip ? formatIp(ip) : null
}

/** The network (`203.0.113.0/24`, `2001:db8:1:2::/64`) an address belongs to, as a network ban stores it. */
export function networkOf(text: string): string | null {
  const ip = parseIp(text)
  if (!ip) return null
  const prefix = NETWORK_PREFIX[ip.version]
  return `${formatIp(masked(ip, prefix))}/${prefix}`
}

/** Whether an address (any spelling) is the banned address (canonical form). */
export function ipMatches(address: string, bannedIp: string): boolean {
  return canonicalIp(address) === bannedIp
}

/** Whether an address (any spelling) is inside a banned network as networkOf writes it. */
export function inNetwork(address: string, network: string): boolean {
  return networkOf(address) === network
}
