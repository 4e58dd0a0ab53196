// Starting and watching the processes the benchmarks measure.
import { type ChildProcess, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'

/** A port nobody listens on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * How Carnet's server is started: the way `npm start` does (its script's node arguments), on the compiled
 * JavaScript (built here first, as `npm start`'s prestart does).
 */
export function serverCommand(): string[] {
  if (!built) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('npm run build failed')
    built = true
  }
  // node's arguments and environment (`X=y` before `node`) as package.json's start script gives them, so that both
  // stay the same: the environment goes into this process's, which every bench spreads into its server's.
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start
  const words = start.split(/\s+/)
  while (/^[A-Z_]+=/.test(words[0] ?? '')) {
    const [name, value] = words.shift()!.split('=') as [string, string]
    process.env[name] = value
  }
  const [node, ...rest] = words
  if (node !== 'node') throw new Error(`unexpected start script: ${start}`)
  return [process.execPath, ...rest]
}
let built = false

/** Resolves with the time from now to the first 200 on `/`. */
export async function waitForServer(proc: ChildProcess, base: string, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now()
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}`)
    try {
      const res = await fetch(`${base}/`)
      await res.arrayBuffer()
      if (res.status === 200) return performance.now() - t0
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`the server did not answer within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * CPU time a process has used so far (user + system), in ms. Per request, it is a steadier figure than
 * requests per second on a shared machine: other work slows the server down but does not make it do more.
 */
export function cpuMs(pid: number): number {
  return ticksMs(readFileSync(`/proc/${pid}/stat`, 'utf8'))
}

/** User + system time from a `stat` file of /proc, in ms. */
function ticksMs(stat: string): number {
  // Fields after the command name (which may hold spaces), counted from field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
}

/**
 * CPU time of a process's threads other than its main one (V8's collector and compiler helpers, libuv's thread pool),
 * in ms: with cpuMs, how much of a server's work is not on its event loop.
 */
export function helperThreadsCpuMs(pid: number): number {
  let ms = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (tid === String(pid)) continue
    try {
      ms += ticksMs(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
    } catch {
      // The thread ended meanwhile: its time went to the process's own count.
    }
  }
  return ms
}

/** Peak and current resident memory of a process, in MB. */
export function memory(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN)
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 }
}

/**
 * The addresses of every post, from the sitemap index (/sitemap.xml) and its posts' files (absolute URLs on
 * SITE_URL, http://127.0.0.1), oldest first.
 */
export async function sitemapPostPaths(base: string): Promise<string[]> {
  const index = await (await fetch(`${base}/sitemap.xml`)).text()
  const paths: string[] = []
  for (const [, file] of index.matchAll(/<loc>https?:\/\/[^/<]+(\/sitemap-posts-\d+\.xml)<\/loc>/g)) {
    const xml = await (await fetch(base + file)).text()
    paths.push(...[...xml.matchAll(/<loc>https?:\/\/[^/<]+(\/archive\/\d{4}\/\d\d\/\d\d\/[^<]+\.html)<\/loc>/g)].map((m) => m[1]!))
  }
  if (paths.length === 0) throw new Error('no post in /sitemap.xml')
  return paths
}

export interface RecordedAnswer {
  body: Buffer
  type: string
  encoding?: string
  /** What describes the page, not one transfer (Node adds those again). */
  headers: Record<string, string>
}

/** The raw bytes and headers a server answers for `url` (Carnet: its br copy when the client offers br). */
export async function recordAnswer(url: string, headers: Record<string, string>): Promise<RecordedAnswer> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          body: Buffer.concat(chunks),
          type: String(res.headers['content-type']),
          encoding: res.headers['content-encoding'],
          headers: Object.fromEntries(
            Object.entries(res.headers).filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
          ) as Record<string, string>,
        }),
      )
    })
      .on('error', reject)
      .end()
  })
}

/** An answer as the file bench/hello.ts and bench/same-answer.ts read (ANSWER), in `dir`; its path. */
export function answerFile(dir: string, answer: RecordedAnswer): string {
  writeFileSync(join(dir, 'answer.json'), JSON.stringify({ headers: answer.headers, body: answer.body.toString('base64') }))
  return join(dir, 'answer.json')
}
