// A throwaway PostgreSQL cluster for the test run: initdb into a temporary folder, started on a free loopback
// port with trust authentication, removed at the end. Debian's binaries (apt-get install -y postgresql); initdb
// refuses root, so as root the cluster belongs to the `postgres` user (runuser). Used by vitest's postgres project
// (test/postgres-setup.ts) and by the benchmarks.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/** The newest installed PostgreSQL's bin folder, or null. PG_BIN overrides. */
export function postgresBin(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : null
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** The migrated database every test's database is copied from. */
export const TEMPLATE = 'carnet_template'

export interface Cluster {
  /** postgres://postgres@127.0.0.1:PORT/ — add a database name. */
  url: (database: string) => string
  /**
   * Stops the server, keeping its data folder and port (an outage): `fast` disconnects clients cleanly (57P01),
   * `immediate` is a crash for them (no goodbye, recovery at the next start), `smart` waits for them to leave
   * (while it waits, new connections are refused with 57P03); `wait: false` returns at once.
   */
  stopServer(mode: 'smart' | 'fast' | 'immediate', options?: { wait?: boolean }): void
  /** Starts it again on the same folder and port, after stopServer; returns once it accepts connections. */
  startServer(): void
  /** Whether the server was started and not stopped since (a test cleans up after a failure with it). */
  readonly running: boolean
  /** Stops it for good and removes its folder. */
  stop(): void
}

export interface ClusterOptions {
  /**
   * Keep PostgreSQL's defaults (a commit is on disk when it returns): for tests that crash the server
   * (`stopServer('immediate')`) and expect what was committed to still be there, and for the benchmarks, which
   * compare with SQLite's WAL. Otherwise durability is off.
   */
  durable?: boolean
  /** More server settings (`-c name=value`), e.g. shared_preload_libraries for the profiler. */
  settings?: Record<string, string>
}

export async function startCluster(bin: string, { durable = false, settings = {} }: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'carnet-pg-'))
  const asRoot = userInfo().uid === 0
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args]
    const result = spawnSync(file, argv, { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`)
  }
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, uid)
  }
  chmodSync(dir, 0o700)
  const data = join(dir, 'data')
  // Locale C: text sorts by code point, as SQLite's does, so that lists come out in the same order.
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-locale', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  // A test cluster: durability off unless asked (nothing here must survive a power cut), enough connections for parallel
  // test files with a pool each.
  const durability = durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'
  const extra = Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`)
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${durability} -c max_connections=300${extra.join('')}`
  let running = false
  const start = () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
    running = true
  }
  start()
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stopServer(mode, { wait = true } = {}) {
      running = false
      run('pg_ctl', ['-D', data, '-m', mode, wait ? '-w' : '-W', 'stop'])
    },
    startServer: start,
    get running() {
      return running
    },
    stop() {
      try {
        // After stopServer({ wait: false }) it may still be on its way down: stopped for good either way.
        if (running || existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
      }
    },
  }
}
