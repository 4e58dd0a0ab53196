// A database the server may not write is refused at start-up with one clear line, instead of a blog that
// serves pages and answers 500 to every comment. Each set-up is made for real: a file of mode 444 for a user
// who is not root, an immutable file (`chattr +i`), a read-only mount with a -wal left by a killed writer.
// The last two need root (to set the immutable flag, to mount): run by someone else, the suite says it skipped
// them (in CI, where `CI` is set, it fails instead). The first runs as root (switching to nobody) or as the
// user running the tests.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir } from '../helpers/app.ts'

const SESSION_KEY = 'ab'.repeat(32)
const NOBODY = { uid: 65534, gid: 65534 }
const isRoot = process.getuid?.() === 0
if (!isRoot && !process.env.CI) console.log('read-only database: the chattr +i and read-only mount cases need root, skipped')

/** Runs the server (wrapped in `prefix`, e.g. a user switch) until it exits or listens; a listening server is killed. */
function startServer(dbPath: string, prefix: string[] = []): Promise<{ code: number | string | null; output: string; listened: boolean }> {
  const command = [
    ...prefix,
    'env',
    `DATABASE_URL=${dbPath}`,
    `SESSION_KEY=${SESSION_KEY}`,
    'HOST=127.0.0.1',
    'PORT=0',
    'LOG_LEVEL=info',
    'HOME=/tmp',
    process.execPath,
    '--import',
    'tsx',
    'src/server.ts',
  ]
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let listened = false
    const collect = (d: Buffer) => {
      output += d
      if (!listened && /listening at/.test(output)) {
        listened = true
        child.kill('SIGTERM')
      }
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal, output, listened })
    })
  })
}

/** A blog that has run once (migrated, search index built: nothing left to write at start-up), then stopped. */
async function settledBlog(dir: string): Promise<string> {
  const blog = await buildTestApp({ dir, env: { SESSION_KEY } })
  await blog.close()
  return join(dir, 'carnet.db')
}

function comments(dbPath: string): number {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('select count(*) from comments').pluck().get() as number
  } finally {
    db.close()
  }
}

function expectRefused(run: { code: number | string | null; output: string; listened: boolean }, dbPath: string, user: string) {
  expect(run.listened, run.output).toBe(false)
  expect(run.code).toBe(1)
  const lines = run.output.trim().split('\n')
  expect(lines, run.output).toHaveLength(1)
  expect(lines[0]).toBe(
    `Carnet could not start: the database ${dbPath} cannot be written (attempt to write a readonly database). ` +
      `The file, its folder and any -wal and -shm files beside it must be writable by user ${user} (check their ` +
      `modes and lsattr) on a volume mounted read-write.`,
  )
}

describe('a database that cannot be written', () => {
  const tmp = useTempDir('read-only')

  it('refuses to start: file mode 444, for a user who is not root', async () => {
    const dbPath = await settledBlog(tmp.path)
    const before = comments(dbPath)
    // The folder and the files belong to the user, who may write the folder but not the file.
    if (isRoot) for (const f of ['', 'carnet.db']) chownSync(join(tmp.path, f), NOBODY.uid, NOBODY.gid)
    chmodSync(dbPath, 0o444)
    const run = isRoot
      ? await startServer(dbPath, ['setpriv', `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups'])
      : await startServer(dbPath)
    expectRefused(run, dbPath, isRoot ? 'nobody' : userInfo().username)
    expect(comments(dbPath)).toBe(before)
  })

  // Root-only set-ups; in CI they must run.
  const asRoot = it.skipIf(!isRoot && !process.env.CI)

  asRoot('refuses to start: an immutable file (chattr +i) in a writable folder', async () => {
    const dbPath = await settledBlog(tmp.path)
    const chattr = spawnSync('chattr', ['+i', dbPath], { encoding: 'utf8' })
    expect(chattr.status, chattr.stderr).toBe(0)
    try {
      expectRefused(await startServer(dbPath), dbPath, 'root')
    } finally {
      spawnSync('chattr', ['-i', dbPath])
    }
  })

  asRoot('refuses to start: a read-only mount, with a -wal left by a killed writer', async () => {
    const dbPath = await settledBlog(tmp.path)
    // A writer killed after committing: its comment is only in the -wal.
    const killed = spawnSync(process.execPath, [
      '-e',
      `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(dbPath)});
       db.exec("insert into comments (post_id, author_name, body, status, created_at) select id, 'K', 'dans le wal', 'approved', '2026-01-01T00:00:00.000Z' from posts limit 1");
       process.kill(process.pid, 'SIGKILL')`,
    ])
    expect(killed.signal).toBe('SIGKILL')
    expect(existsSync(`${dbPath}-wal`)).toBe(true)
    // The mount exists only in the server's own mount namespace: nothing to undo here.
    const mount = `mount --bind ${tmp.path} ${tmp.path} && mount -o remount,ro,bind ${tmp.path} && exec "$@"`
    const run = await startServer(dbPath, ['unshare', '--mount', 'sh', '-c', mount, 'sh'])
    expectRefused(run, dbPath, 'root')
  })
})
