// PostgreSQL for the benchmarks (`npm run bench -- --database postgres|both`): a throwaway cluster, durable like a
// production server (test/helpers/postgres-cluster.ts with `durable: true`), into which a generated SQLite blog is
// copied once by the command line's own `copy`; every measured server then gets a fresh database made from that
// one (CREATE DATABASE … TEMPLATE: a file copy), as the SQLite runs get a fresh copy of the file.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { postgresBin, startCluster, type Cluster } from '../test/helpers/postgres-cluster.ts'

/**
 * Generates a blog straight into a new database `name` of the cluster with bench:seed (multi-row INSERTs, then
 * ANALYZE: 85–215 s at 100k, where `copy` of a SQLite file took 771 s); returns the seconds it took.
 */
export async function seedPostgres(
  cluster: BenchPostgres,
  name: string,
  options: { posts: number; comments: number; manifest: string },
): Promise<number> {
  const admin = new pg.Client({ connectionString: cluster.url('postgres') })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const t0 = performance.now()
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/seed.ts',
      ...['--posts', String(options.posts), '--comments', String(options.comments), '--db', cluster.url(name)],
      ...['--manifest', options.manifest, '--quiet'],
    ],
    { stdio: 'inherit' },
  )
  if (r.status !== 0) throw new Error('bench:seed into PostgreSQL failed')
  return (performance.now() - t0) / 1000
}

export interface BenchPostgres {
  /** The URL of a database of the cluster. */
  url(database: string): string
  /** The server's settings that matter for the comparison, one line. */
  settings: string
  /** Copies a generated SQLite blog into a new database (once per blog); returns its name. */
  load(sqlitePath: string): Promise<{ template: string; seconds: number; summary: string }>
  /** A fresh database copied from a loaded one: its URL, and how to drop it. */
  fresh(template: string): Promise<{ url: string; drop(): Promise<void> }>
  /** CPU time used so far by every process of the cluster (backends, WAL writer, checkpointer…), ms. */
  cpuMs(): number
  /** Bytes of WAL written so far (pg_current_wal_lsn). */
  walBytes(): Promise<number>
  /** With `statements: true`: the statements that took the most time in `database` since the last call. */
  topStatements(database: string, top: number): Promise<string[]>
  stop(): Promise<void>
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces), counted from field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null // exited meanwhile
  }
}

/**
 * `statements`: load pg_stat_statements (the profiler; it costs a little on every statement, so not the benchmark).
 * `settings`: server settings that differ from the durable defaults (`--pg-settings`, for comparisons).
 */
export async function startBenchPostgres(
  options: { statements?: boolean; settings?: Record<string, string> } = {},
): Promise<BenchPostgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('--database postgres needs PostgreSQL (apt-get install -y postgresql): no initdb found')
  const cluster: Cluster = await startCluster(bin, {
    durable: true,
    settings: {
      ...(options.statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : {}),
      ...options.settings,
    },
  })
  let stopped = false
  // A bench that fails or returns early leaves no cluster behind.
  process.once('exit', () => stopped || cluster.stop())
  const admin = new pg.Client({ connectionString: cluster.url('postgres') })
  try {
    await admin.connect()
  } catch (err) {
    cluster.stop()
    throw err
  }
  const q = async <T extends pg.QueryResultRow>(text: string) => (await admin.query<T>(text)).rows
  const backend = (await q<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid
  const postmaster = Number(statFields(backend)![1])
  const show = async (name: string) => (await q<Record<string, string>>(`show ${name}`))[0]![name]
  // One after the other: a pg client runs one query at a time (pg 8.23 warns that overlapping ones go in pg 9).
  const shown: string[] = []
  for (const name of ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers'])
    shown.push(`${name}=${await show(name)}`)
  const settings = shown.join(', ')
  let runs = 0
  let loads = 0

  return {
    url: cluster.url,
    settings,
    async load(sqlitePath) {
      const template = `bench_${process.pid}_${++loads}`
      // The cluster was made with --no-locale: text sorts by code point, as on SQLite (docs/postgresql.md, "Running on
      // PostgreSQL").
      await q(`create database ${template}`)
      const t0 = performance.now()
      const copy = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'copy', sqlitePath, cluster.url(template)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      if (copy.status !== 0) throw new Error(`npm run cli -- copy failed:\n${copy.stdout}`)
      // What autovacuum does to a production database soon after a bulk load: planner statistics and the
      // visibility map. Copies made from this database carry both.
      const client = new pg.Client({ connectionString: cluster.url(template) })
      await client.connect()
      await client.query('vacuum (analyze)')
      await client.end()
      const summary = copy.stdout.trim().split('\n').at(-1) ?? ''
      return { template, seconds: (performance.now() - t0) / 1000, summary }
    },
    async fresh(template) {
      const name = `${template}_run${++runs}`
      await q(`create database ${name} template ${template}`)
      // CREATE DATABASE … TEMPLATE (PostgreSQL 15's WAL_LOG strategy) writes the copy through shared_buffers and
      // leaves them full of dirty pages: the first statements to read then write them out (and flush the WAL) to
      // free buffers, 300 ms more for a search at 100k, a cost of the copy that no restarted server has. Written
      // out here, first answers read from the OS cache as SQLite's do from a fresh file's (bench/RESULTS.md, pgcold).
      await q('checkpoint')
      return {
        url: cluster.url(name),
        // WITH (FORCE): a server that did not close its pool must not keep the database.
        drop: async () => void (await q(`drop database if exists ${name} with (force)`)),
      }
    },
    cpuMs() {
      // The postmaster's own time, its children that exited (cutime, cstime), and the ones still running.
      const own = statFields(postmaster)
      if (!own) return NaN
      let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue
        const fields = statFields(Number(entry))
        if (fields && Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12])
      }
      return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
    },
    async walBytes() {
      return Number((await q<{ b: string }>(`select pg_current_wal_lsn() - '0/0' as b`))[0]!.b)
    },
    async topStatements(database, top) {
      const client = new pg.Client({ connectionString: cluster.url(database) })
      await client.connect()
      try {
        await client.query('create extension if not exists pg_stat_statements')
        const { rows } = await client.query<{ calls: string; ms: number; mean: number; rows: string; query: string }>(
          `select calls, total_exec_time as ms, mean_exec_time as mean, rows, query from pg_stat_statements
           where dbid = (select oid from pg_database where datname = current_database())
           order by total_exec_time desc limit ${Number(top)}`,
        )
        await client.query('select pg_stat_statements_reset()')
        return rows.map(
          (r) =>
            `${r.ms.toFixed(0).padStart(7)} ms ${String(r.calls).padStart(8)} calls ${(r.mean * 1000).toFixed(0).padStart(6)} µs/call ${String(r.rows).padStart(8)} rows  ${r.query.replace(/\s+/g, ' ').slice(0, 160)}`,
        )
      } finally {
        await client.end()
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      await admin.end().catch(() => {})
      cluster.stop()
    },
  }
}

/**
 * The blog of `sqlitePath` (its manifest `manifest`) in a new database of the cluster: a blog made by bench:seed
 * (its manifest names its heaviest post) generated again there, the same blog (the generator is deterministic),
 * with a manifest of its own written in `dir`; any other copied by `copy`. Returns its URL and manifest.
 */
export async function blogInCluster<M extends { posts: number; comments: number; heavyPost?: string }>(
  cluster: BenchPostgres,
  sqlitePath: string,
  manifest: M,
  dir: string,
): Promise<{ url: string; manifest: M }> {
  if (!manifest.heavyPost) return { url: cluster.url((await cluster.load(sqlitePath)).template), manifest }
  const name = `blog_${process.pid}`
  const seconds = await seedPostgres(cluster, name, { ...manifest, manifest: join(dir, 'manifest.json') })
  console.log(`generated into PostgreSQL in ${seconds.toFixed(0)} s`)
  return { url: cluster.url(name), manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as M }
}

/** Waits until a server's search indexing (in the background, after a first start) has emptied its queue. */
export async function searchIndexed(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  while (Number((await client.query<{ n: string }>('select count(*) as n from search_queue')).rows[0]!.n) > 0)
    await new Promise((r) => setTimeout(r, 2000))
  await client.end()
}
