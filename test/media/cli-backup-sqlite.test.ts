// Backup and restore carry the images beside the SQLite file they copy. SQLite only: on PostgreSQL, backup and
// restore print the pg_dump / pg_restore commands instead (test/ops/copy.test.ts); `media add` itself runs on both
// databases in cli.test.ts.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'
import { buildTestApp, useTempDir } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/images.ts'

const cli = (args: string[], env: Record<string, string>) => runCli(args, { DEMO_CONTENT: 'false', ...env })

describe('npm run cli -- backup / restore with images', () => {
  const tmp = useTempDir('media-backup')

  it('backup copies the images beside the file, again copies nothing new; restore puts them back', async () => {
    const env = { DATABASE_URL: join(tmp.path, 'blog', 'carnet.db') }
    const photo = join(tmp.path, 'IMG_0001.jpg')
    writeFileSync(photo, await phonePhoto(1200, 800))
    const added = await cli(['media', 'add', photo, '--alt', 'Le marché [samedi]'], env)
    expect(added.code, added.stderr).toBe(0)
    const files = readdirSync(join(tmp.path, 'blog', 'media'))
    expect(files).toHaveLength(6)

    mkdirSync(join(tmp.path, 'backups'))
    const backupFile = join(tmp.path, 'backups', 'carnet.db')
    const backup = await cli(['backup', backupFile], env)
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stdout).toContain(`Images: 6 files in ${backupFile}.media (6 new).`)
    expect(readdirSync(`${backupFile}.media`).sort()).toEqual(files.sort())
    const again = await cli(['backup', backupFile, '--force'], env)
    expect(again.stdout).toContain('(0 new)')

    const restoredEnv = { DATABASE_URL: join(tmp.path, 'restored', 'carnet.db') }
    const restore = await cli(['restore', backupFile], restoredEnv)
    expect(restore.code, restore.stderr).toBe(0)
    expect(restore.stdout).toContain('Images: 6 files put back')
    const restored = await buildTestApp({ dir: join(tmp.path, 'restored'), env: restoredEnv })
    try {
      const [row] = await restored.app.db.selectFrom('media').selectAll().execute()
      expect(row).toMatchObject({ alt: 'Le marché [samedi]', width: 800, height: 1200 })
      expect((await restored.app.inject(`/media/${row!.name}`)).statusCode).toBe(200)
    } finally {
      await restored.close()
    }
  }, 60_000)
})
