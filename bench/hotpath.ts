// The hot path side by side: `node --import tsx bench/hotpath.ts [--rounds 3 --seconds 5 --log-level info]`.
// One cached page (the generated blog's ordinary post page), answered by Carnet with its access log on (stdout
// to a file, as a service manager or container takes it), beside a bare Fastify hello-world and nginx serving
// the same bytes (Carnet's br copy, from a file, with its own access log on), each measured in turn, `--rounds`
// times, with wrk (c=50, GET, the Accept-Encoding Chromium sends; `--client autocannon`: the earlier rounds'
// client). The servers run on the last CPU and wrk on the others (`--no-pin` to leave that to the scheduler); every
// Node server with npm start's node flags. Prints each server's CPU time per response (user + system, every
// thread, and apart what other threads than the main one did: V8's collector helpers, the log's writes) and
// the ratios the issue's targets are about: Carnet against a bare Fastify route answering the same bytes and
// headers (bench/hello.ts with ANSWER) and against nginx; beside them Node's http alone answering that page
// (bench/same-answer.ts: the floor for it) and the hello-world. Then checks that Carnet's log holds one access line
// per response it answered.
// `--database postgres`: Carnet on the same blog in a throwaway cluster (bench/postgres.ts, blogInCluster),
// measured once its search index is built (a hit there waits for the shared version's read: src/cache/page-cache.ts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { blogInCluster, searchIndexed, startBenchPostgres, type BenchPostgres } from './postgres.ts'
import { answerFile, cpuMs, freePort, helperThreadsCpuMs, memory, recordAnswer, serverCommand, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/bench.db' },
    database: { type: 'string', default: 'sqlite' },
    path: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'log-level': { type: 'string', default: 'info' },
    'accept-encoding': { type: 'string', default: 'gzip, deflate, br, zstd' },
    /** The load's client: wrk (Debian's; it reads the answers without decoding them) or autocannon. */
    client: { type: 'string', default: 'wrk' },
    /** Extra arguments for Carnet's node, before the script (e.g. `--node-args=--optimize-for-size`). */
    'node-args': { type: 'string', default: '' },
    /**
     * Servers on the last CPU, wrk on the others (taskset): otherwise the scheduler moves them about, and on a
     * 2-core machine a server then shares its core with the client for part of a round. `--no-pin` to leave it.
     */
    pin: { type: 'boolean', default: availableParallelism() > 1 },
  },
  allowNegative: true,
})
const lastCpu = availableParallelism() - 1
/** `command` and its arguments, pinned when `--pin`: servers to the last CPU, the client to the others. */
const pinned = (role: 'server' | 'client', command: string, argv: string[]): [string, string[]] =>
  args.pin ? ['taskset', ['-c', role === 'server' ? String(lastCpu) : `0-${lastCpu - 1}`, command, ...argv]] : [command, argv]
let manifest = JSON.parse(readFileSync(`${args.db}.json`, 'utf8')) as { post: string; posts: number; comments: number; heavyPost?: string }
if (args.database !== 'sqlite' && args.database !== 'postgres') throw new Error('--database: sqlite or postgres')
const dir = mkdtempSync(join(tmpdir(), 'carnet-hotpath-'))
let databaseUrl = join(dir, 'bench.db')
let cluster: BenchPostgres | undefined
if (args.database === 'postgres') {
  cluster = await startBenchPostgres()
  const blog = await blogInCluster(cluster, args.db!, manifest, dir)
  databaseUrl = blog.url
  manifest = blog.manifest
} else copyFileSync(args.db!, databaseUrl)
const path = args.path ?? manifest.post
const headers: Record<string, string> = args['accept-encoding'] === 'identity' ? {} : { 'accept-encoding': args['accept-encoding']! }

interface Server {
  name: string
  base: string
  proc: ChildProcess
  /** The processes whose CPU counts (nginx: its worker). */
  pids: () => number[]
}

const [command, ...rest] = serverCommand()
/**
 * npm start's node flags (a 2 MB young generation: src/server.ts's memory figures), for every Node server here: the
 * ratios compare code with code under the same runtime settings (and the same environment: serverCommand).
 */
const startFlags = rest.slice(0, -1)

async function startCarnet(): Promise<Server> {
  const port = await freePort()
  const log = openSync(join(dir, 'carnet.log'), 'w')
  const proc = spawn(...pinned('server', command!, [...args['node-args']!.split(/\s+/).filter(Boolean), ...rest]), {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SITE_URL: 'http://127.0.0.1',
      SESSION_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: args['log-level'],
      PAGE_CACHE: 'on',
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', log, 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  await waitForServer(proc, base)
  return { name: 'Carnet', base, proc, pids: () => [proc.pid!] }
}

/** A bare Fastify route: the hello-world, or with `answerFile` the same bytes and headers as Carnet's hit. */
async function startFastify(answerFile?: string): Promise<Server> {
  const port = await freePort()
  const proc = spawn(...pinned('server', process.execPath, [...startFlags, 'bench/hello.ts']), {
    env: { ...process.env, PORT: String(port), ANSWER: answerFile ?? '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  await waitForServer(proc, base)
  return { name: answerFile ? 'bare Fastify, same answer' : 'bare Fastify', base, proc, pids: () => [proc.pid!] }
}

async function startNginx(answer: { body: Buffer; type: string; encoding?: string }): Promise<Server> {
  const port = await freePort()
  writeFileSync(join(dir, 'page'), answer.body)
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/nginx-access.log combined;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location / {
      default_type "${answer.type}";
      ${answer.encoding ? `add_header content-encoding ${answer.encoding};` : ''}
      try_files /page =404;
    }
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const proc = spawn(...pinned('server', 'nginx', ['-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')]), {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  await waitForServer(proc, base)
  const children = () => readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return { name: 'nginx', base, proc, pids: () => [proc.pid!, ...children()] }
}

/** Node's http alone answering the same bytes and headers (bench/same-answer.ts): the floor for this answer. */
async function startSameAnswer(file: string): Promise<Server> {
  const port = await freePort()
  const proc = spawn(...pinned('server', process.execPath, [...startFlags, 'bench/same-answer.ts']), {
    env: { ...process.env, PORT: String(port), ANSWER: file },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  await waitForServer(proc, base)
  return { name: 'Node, same answer', base, proc, pids: () => [proc.pid!] }
}

/**
 * `seconds` of load on `url` with `--client`: how many answers, and how many of them were not a success. autocannon
 * decodes every answer's body into a string (a compressed page is the slow case of UTF-8 decoding): on a 2-core
 * machine it then holds back the servers it measures (bench/RESULTS.md, 2026-12-07 12:40), which answer a few requests
 * per wake-up instead of many. wrk (C, one thread) only counts them.
 */
async function load(url: string, seconds: number): Promise<{ answered: number; failed: number }> {
  if (args.client === 'autocannon') {
    const r = await autocannon({ url, connections: Number(args.connections), headers, duration: seconds })
    const answered = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx']
    return { answered, failed: answered - r['2xx'] + r.errors }
  }
  const script = join(dir, 'wrk.lua')
  // Written once: what wrk prints at the end of a run, as one JSON line.
  if (!existsSync(script))
    writeFileSync(
      script,
      'done = function(s) io.write(string.format("{\\"answered\\":%d,\\"failed\\":%d}\\n", s.requests, s.errors.status + s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout)) end\n',
    )
  const flags = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  const r = spawnSync(...pinned('client', 'wrk', ['-t1', `-c${args.connections}`, `-d${seconds}s`, '-s', script, ...flags, url]), {
    encoding: 'utf8',
  })
  if (r.error || r.status !== 0) throw new Error(`wrk: ${r.error?.message ?? r.stderr} (apt-get install wrk, or --client autocannon)`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { answered: number; failed: number }
}

async function measure(
  server: Server,
  url: string,
): Promise<{ cpuUs: number; helpersUs: number; databaseCpuUs: number; reqPerSec: number; answered: number }> {
  const warmUp = await load(url, 1)
  const cpu = () => server.pids().reduce((sum, pid) => sum + cpuMs(pid), 0)
  // PostgreSQL's own work for Carnet's answers (the version reads), counted apart.
  const databaseCpu = () => (server.name === 'Carnet' && cluster ? cluster.cpuMs() : 0)
  const helpers = () => server.pids().reduce((sum, pid) => sum + helperThreadsCpuMs(pid), 0)
  const cpu0 = cpu()
  const helpers0 = helpers()
  const databaseCpu0 = databaseCpu()
  const { answered, failed } = await load(url, Number(args.seconds))
  if (failed) throw new Error(`${server.name}: ${failed} answers were not 200`)
  return {
    cpuUs: ((cpu() - cpu0) * 1000) / answered,
    helpersUs: ((helpers() - helpers0) * 1000) / answered,
    databaseCpuUs: ((databaseCpu() - databaseCpu0) * 1000) / answered,
    reqPerSec: answered / Number(args.seconds),
    // The warm-up's too: the log's count.
    answered: warmUp.answered + answered,
  }
}

async function stop(server: Server): Promise<void> {
  if (server.proc.exitCode !== null) return
  const exited = new Promise((r) => server.proc.once('exit', r))
  server.proc.kill(server.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM')
  await exited
}

const started: Server[] = []
process.on('exit', () => started.forEach((s) => s.proc.exitCode === null && s.proc.kill(s.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM')))
const hello = await startFastify()
started.push(hello)
const carnet = await startCarnet()
started.push(carnet)
if (cluster) {
  // A first start indexes the blog for search in the background: measured once that is done.
  await searchIndexed(databaseUrl)
}
const answer = await recordAnswer(`${carnet.base}${path}`, headers)
const nginx = await startNginx(answer)
started.push(nginx)
const file = answerFile(dir, answer)
const same = await startSameAnswer(file)
started.push(same)
const fastifySame = await startFastify(file)
started.push(fastifySame)
const figures: Record<string, { cpuUs: number; helpersUs: number; databaseCpuUs: number; reqPerSec: number }[]> = {
  'bare Fastify': [],
  Carnet: [],
  nginx: [],
  'Node, same answer': [],
  'bare Fastify, same answer': [],
}
let carnetRequests = 0
// The log holds the requests of start-up (waitForServer, recordAnswer) and the warm-ups too: counted here.
carnetRequests += 2
for (let round = 0; round < Number(args.rounds); round++) {
  for (const server of [hello, carnet, nginx, same, fastifySame]) {
    const url = server === hello ? `${hello.base}/` : `${server.base}${path}`
    const f = await measure(server, url)
    figures[server.name]!.push(f)
    if (server === carnet) carnetRequests += f.answered
  }
}
const carnetPeakMb = memory(carnet.proc.pid!).peakMb
await Promise.all([stop(hello), stop(carnet), stop(nginx), stop(same), stop(fastifySame)])
spawnSync('sync')

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`
console.log(
  `\nNode ${process.version}, ${args.database}, ${path} (page cache on, LOG_LEVEL=${args['log-level']}, Accept-Encoding: ${args['accept-encoding']}), ${args.client}, c=${args.connections}, ${args.rounds} rounds of ${args.seconds} s each${args.pin ? `, servers on CPU ${lastCpu}` : ''}\n`,
)
console.log(
  '| server | req/s (median) | CPU µs per response (median, range) | of which other threads than the main one |\n| --- | --- | --- | --- |',
)
for (const [name, fs] of Object.entries(figures))
  console.log(
    `| ${name} | ${Math.round(median(fs.map((f) => f.reqPerSec)))} | ${Math.round(median(fs.map((f) => f.cpuUs)))} (${range(fs.map((f) => f.cpuUs))}) | ${median(fs.map((f) => f.helpersUs)).toFixed(1)} |`,
  )
const m = (name: string) => median(figures[name]!.map((f) => f.cpuUs))
const ratio = (a: string, b: string) => `${(m(a) / m(b)).toFixed(2)}x`
// The goal's "bare Fastify route" is one sending this page, as nginx sends it. A hello-world's 17 bytes cost far
// less than the page's own bytes and headers: Node's http alone sending the page costs nearly the goal's whole
// margin over the hello-world (bench/RESULTS.md), so beside it the ratio would measure the page, not Carnet.
console.log(
  `\nCarnet / a bare Fastify route sending the same page: ${ratio('Carnet', 'bare Fastify, same answer')} (goal ≤ 1.5x); Carnet / nginx: ${ratio('Carnet', 'nginx')} (goal ≤ 2x); Carnet's peak RSS ${carnetPeakMb.toFixed(0)} MB`,
)
console.log(
  `The page's own cost: Node's http alone sending it / the Fastify hello-world: ${ratio('Node, same answer', 'bare Fastify')}; the bare Fastify route sending it / the hello-world: ${ratio('bare Fastify, same answer', 'bare Fastify')}`,
)
console.log(
  `Carnet / the hello-world: ${ratio('Carnet', 'bare Fastify')}; Carnet / Node's http alone sending the page: ${ratio('Carnet', 'Node, same answer')}`,
)
if (cluster) {
  const database = median(figures.Carnet!.map((f) => f.databaseCpuUs))
  console.log(
    `PostgreSQL's own CPU per Carnet answer (not in the figures above): ${database.toFixed(1)} µs; Carnet and PostgreSQL together / the bare Fastify route: ${((m('Carnet') + database) / m('bare Fastify, same answer')).toFixed(2)}x`,
  )
}
const lines = readFileSync(join(dir, 'carnet.log'), 'utf8').split('\n').filter(Boolean)
const access = lines.filter((l) => l.includes('"msg":"access"') || l.includes('"msg":"request completed"')).length
console.log(
  `Carnet's log: ${lines.length} lines, ${access} access lines for ~${carnetRequests} requests (the client's count; its last in-flight requests may add a few)`,
)
await cluster?.stop()
rmSync(dir, { recursive: true, force: true })
