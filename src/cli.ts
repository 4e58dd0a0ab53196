// The command line: `npm run cli -- <command> [arguments]`.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { loadConfig, ConfigError } from './config.ts'
import { openBlog } from './blog.ts'
import { backupDatabase, copyDatabase, integrityCheck, type BackupProgress } from './db/sqlite.ts'
import { userAdd, userPassword } from './admin/user-command.ts'
import { copyBlog, CopyError, describeDatabaseUrl, parseDatabaseUrl } from './ops/copy.ts'
import { exportWxrCommand, importDisqusCommand, importUndoCommand, importWxrCommand } from './transfer/commands.ts'
import { mediaAdd } from './admin/media-command.ts'
import { copyMediaFiles, mediaBackupDir } from './media/backup.ts'
import { formatResults, runDoctor } from './ops/doctor.ts'
import { pageAdd } from './pages/page-command.ts'

type Command = { usage: string; run: (args: string[]) => Promise<number> }

// A reader that goes away (`… | head -1`) is no failure: nobody reads what comes next, so it is dropped, and the
// command finishes its work (an import still commits) with its own exit code. Without a listener the EPIPE
// would be an uncaught 'error' event: a stack trace, and an import stopped half-way. Any other error on these
// streams is still thrown.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
  })
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}

/** On a terminal, one line rewritten as a backup goes (a cron job's mail gets only the summary). */
function progressLine(databasePath: string) {
  let last = ''
  const write = (text: string) => {
    if (text === last) return
    last = text
    process.stdout.write(`\r\x1b[K${text}`)
  }
  return {
    show({ phase, copiedBytes, totalBytes }: BackupProgress) {
      if (phase === 'check') write(`Checking the copy of ${databasePath} (${megabytes(totalBytes)})…`)
      else write(`Copying ${databasePath}: ${Math.floor((100 * copiedBytes) / Math.max(totalBytes, 1))} % of ${megabytes(totalBytes)}`)
    },
    clear() {
      process.stdout.write('\r\x1b[K')
    },
  }
}

/**
 * backup and restore copy SQLite files; a PostgreSQL database has its own tools. The message says exactly which
 * command to run (the URL stays in the environment: no password on a command line or in a log).
 */
function postgresInstead(command: 'backup' | 'restore', args: string[]): number | null {
  if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) return null
  const file = args.find((a) => !a.startsWith('--'))
  if (command === 'backup') {
    console.error(
      'DATABASE_URL is a PostgreSQL database: back it up with pg_dump (safe while the blog runs):\n' +
        `  pg_dump --format=custom --file=${file ?? '/backups/carnet-$(date +%F).dump'} "$DATABASE_URL"`,
    )
  } else {
    console.error(
      'DATABASE_URL is a PostgreSQL database: restore a pg_dump backup with pg_restore (stop the blog first), then migrate:\n' +
        `  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${file ?? '/backups/carnet-2026-11-26.dump'}\n` +
        '  npm run cli -- migrate',
    )
  }
  return 1
}

const commands: Record<string, Command> = {
  migrate: {
    usage: 'migrate                   create the database or bring its schema up to date',
    async run() {
      const { db } = await openBlog(loadConfig())
      await db.destroy()
      console.log('Database is up to date.')
      return 0
    },
  },
  backup: {
    usage: 'backup <file> [--force]   copy the live database (safe while the blog runs), and the images to <file>.media/',
    async run(args) {
      const postgres = postgresInstead('backup', args)
      if (postgres !== null) return postgres
      const file = args.find((a) => !a.startsWith('--'))
      if (!file) {
        console.error('Usage: npm run cli -- backup <file> [--force]')
        return 2
      }
      const { databasePath, mediaDir } = loadConfig()
      if (!existsSync(databasePath)) {
        console.error(`No database at ${databasePath} (set DATABASE_URL).`)
        return 1
      }
      if (existsSync(file) && !args.includes('--force')) {
        console.error(`${file} exists; add --force to overwrite it.`)
        return 1
      }
      const started = Date.now()
      const progress = process.stdout.isTTY ? progressLine(databasePath) : undefined
      const { check, bytes } = await backupDatabase(databasePath, file, { overwrite: args.includes('--force'), onProgress: progress?.show })
      progress?.clear()
      if (check !== 'ok') {
        console.error(`The copy failed its integrity check, nothing written: ${check}`)
        return 1
      }
      // The images after the database: every image the copy's rows name was there at its snapshot (one deleted
      // since is the only one missing). Files are immutable, so only new ones are copied into an existing folder.
      const media = await copyMediaFiles(mediaDir, mediaBackupDir(file))
      const images = media.files > 0 ? ` Images: ${media.files} files in ${resolve(mediaBackupDir(file))} (${media.copied} new).` : ''
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      console.log(`Backed up ${databasePath} to ${resolve(file)}: ${megabytes(bytes)} in ${seconds} s (integrity check: ok).${images}`)
      return 0
    },
  },
  restore: {
    usage: 'restore <file>            replace the database with a backup, and put back its images (stop the blog first)',
    async run(args) {
      const postgres = postgresInstead('restore', args)
      if (postgres !== null) return postgres
      const file = args[0]
      if (!file) {
        console.error('Usage: npm run cli -- restore <file>')
        return 2
      }
      if (!existsSync(file)) {
        console.error(`No backup at ${file}.`)
        return 1
      }
      const check = integrityCheck(file)
      if (check !== 'ok') {
        console.error(`${file} failed its integrity check, nothing restored: ${check}`)
        return 1
      }
      const { databasePath } = loadConfig()
      mkdirSync(dirname(databasePath), { recursive: true })
      // The backup API writes through SQLite into the destination, WAL included: no stale -wal file survives.
      await copyDatabase(file, databasePath)
      const { db } = await openBlog({ ...loadConfig(), demoContent: false })
      await db.destroy()
      const { mediaDir } = loadConfig()
      const media = await copyMediaFiles(mediaBackupDir(file), mediaDir)
      const images =
        media.files > 0 ? ` Images: ${media.copied} files put back into ${mediaDir} (${media.files - media.copied} were there).` : ''
      console.log(`Restored ${resolve(file)} into ${databasePath}, schema up to date.${images}`)
      return 0
    },
  },
  copy: {
    usage: 'copy <from> <to>          copy a whole blog into a new, empty database (SQLite file or postgres:// URL)',
    async run(args) {
      if (args.length !== 2) {
        console.error(
          'Usage: npm run cli -- copy <from> <to>   (each a SQLite file path or a postgres://user:password@host:port/database URL)',
        )
        return 2
      }
      try {
        const from = parseDatabaseUrl(args[0]!, 'from')
        const to = parseDatabaseUrl(args[1]!, 'to')
        const started = Date.now()
        const report = await copyBlog(from, to, (line) => console.log(`  ${line}`))
        const rows = report.tables.reduce((n, t) => n + t.target, 0)
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        console.log(
          `Copied ${describeDatabaseUrl(from)} to ${describeDatabaseUrl(to)}: ${rows} rows in ${report.tables.length} tables in ${seconds} s; ` +
            'row counts checked, every table matches.',
        )
        return 0
      } catch (err) {
        if (err instanceof CopyError) {
          console.error(err.message)
          return 1
        }
        throw err
      }
    },
  },
  doctor: {
    usage: "doctor [--nginx <file>]   check Node, folders, disk, SITE_URL, SMTP, PostgreSQL (and nginx's body size)",
    async run(args) {
      const at = args.indexOf('--nginx')
      const nginx = at >= 0 ? args[at + 1] : undefined
      if ((at >= 0 && !nginx) || args.some((a, i) => a !== '--nginx' && i !== at + 1)) {
        console.error('Usage: npm run cli -- doctor [--nginx <file>]')
        return 2
      }
      const results = await runDoctor(process.env, { nginx })
      console.log(formatResults(results))
      return results.every((r) => r.ok) ? 0 : 1
    },
  },
  // ---- admin ----
  'user add': {
    usage:
      'user add <username> [--role owner|administrator|editor|author|contributor]  create a writer, an owner unless --role says (password read from stdin, or prompted)',
    run: userAdd,
  },
  'user password': {
    usage: 'user password <username>  give an admin a new password, signing out their sessions',
    run: userPassword,
  },
  // ---- import ----
  'import wxr': {
    usage: 'import wxr <file> [--dry-run]  import a WordPress export (posts, comments, categories, tags)',
    run: importWxrCommand,
  },
  'import disqus': {
    usage: 'import disqus <file> [--dry-run]  import Disqus comments onto the posts their threads name',
    run: importDisqusCommand,
  },
  'import undo': {
    usage: 'import undo                    remove what an interrupted import (its process killed) had written',
    run: importUndoCommand,
  },
  'export wxr': {
    usage: 'export wxr <file> [--force]    export every post, category, tag and comment as WXR 1.2',
    run: exportWxrCommand,
  },
  // ---- pages ----
  'page add': {
    usage: 'page add <file.md> --title <title> [--slug <slug>] [--draft]  add a static page at /<slug>.html (published unless --draft)',
    run: (args) => pageAdd(args, appRouteNames),
  },
  // ---- media ----
  'media add': {
    usage: 'media add <file> [--alt "text" | --decorative]  add an image to the library; prints its Markdown',
    run: mediaAdd,
  },
}

/**
 * The first segments of the app's own addresses, read from the app itself (built, never started: no timer, no
 * port), so that a page's slug is checked against the same list the admin's editor uses.
 */
async function appRouteNames(): Promise<ReadonlySet<string>> {
  const { buildApp } = await import('./app.ts')
  const config = loadConfig()
  // The routes depend on neither the database's content nor the session key: an empty one in memory (closing an app
  // on the blog's file that was never started waits for its checkpointer forever) and a throwaway key.
  const app = await buildApp(
    { ...config, databasePath: ':memory:', demoContent: false, sessionKey: randomBytes(32).toString('hex') },
    { logger: false },
  )
  const names = new Set(app.routeNames)
  await app.close()
  return names
}

function usage(): string {
  return ['Usage: npm run cli -- <command>', '', 'Commands:', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  // Two-word commands first ("user add"), then one-word ones.
  const two = rest.length > 0 ? commands[`${name} ${rest[0]}`] : undefined
  const command = two ?? (name ? commands[name] : undefined)
  if (!command) {
    console.error(name ? `Unknown command: ${argv.join(' ')}\n\n${usage()}` : usage())
    return 2
  }
  return command.run(two ? rest.slice(1) : rest)
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}

export { commands }
