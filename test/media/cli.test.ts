// `media add` from the command line (the same processing as an upload), on the test's own database. The images
// carried by backup and restore (SQLite's file copy) are in cli-backup-sqlite.test.ts.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { ELF, phonePhoto } from '../helpers/images.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import sharp from 'sharp'

const cli = (args: string[], env: Record<string, string>) => runCli(args, { DEMO_CONTENT: 'false', ...env })

describe('npm run cli -- media add', () => {
  const tmp = useTempDir('media-cli')

  it('adds a photo (upright, without its GPS position), records it and prints its Markdown; refuses what is no image', async () => {
    const database = await createTestDatabase(tmp.path)
    const mediaDir = join(tmp.path, 'media')
    const env = { DATABASE_URL: database.url, ...database.env, MEDIA_DIR: mediaDir }
    const other = await otherConnection(database.url)
    try {
      const photo = join(tmp.path, 'IMG_0001.jpg')
      writeFileSync(photo, await phonePhoto(1200, 800))
      const run = await cli(['media', 'add', photo, '--alt', 'Le marché [samedi]'], env)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^!\[Le marché \\\[samedi\\\]\]\(\/media\/[0-9a-f]{32}-800x1200\.jpg\)\n$/)
      const files = readdirSync(mediaDir)
      expect(files).toHaveLength(6)
      for (const file of files) expect((await sharp(join(mediaDir, file)).metadata()).exif, file).toBeUndefined()
      const rows = await other.all<{ name: string; alt: string; width: number; height: number }>(
        'select name, alt, width, height from media',
      )
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ alt: 'Le marché [samedi]', width: 800, height: 1200 })
      expect(run.stdout).toContain(`/media/${rows[0]!.name}`)

      const refused = await cli(['media', 'add', join(tmp.path, 'setup.jpg')], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('No file at')
      writeFileSync(join(tmp.path, 'setup.jpg'), ELF)
      const elf = await cli(['media', 'add', join(tmp.path, 'setup.jpg'), '--alt', 'x'], env)
      expect(elf.code).toBe(1)
      expect(elf.stderr).toContain('not a JPEG, PNG, WebP, AVIF or GIF image. Nothing was added.')
      expect(readdirSync(mediaDir)).toHaveLength(6)
      expect((await cli(['media', 'add'], env)).code).toBe(2)
      expect(await other.all('select name from media')).toHaveLength(1)
    } finally {
      await other.close()
      await database.drop()
    }
  }, 60_000)
})
