// `media add` from the command line (the same processing as an upload), and images carried by backup and restore.
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir } from '../helpers/app.ts'
import { ELF, phonePhoto } from '../helpers/images.ts'
import sharp from 'sharp'

type Run = { code: number | null; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, DEMO_CONTENT: 'false', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

describe('npm run cli -- media add', () => {
  const tmp = useTempDir('media-cli')

  it('adds a photo (upright, without its GPS position) and prints its Markdown; backup and restore carry the images', async () => {
    const env = { DATABASE_URL: join(tmp.path, 'blog', 'carnet.db') }
    const photo = join(tmp.path, 'IMG_0001.jpg')
    writeFileSync(photo, await phonePhoto(1200, 800))
    const run = await cli(['media', 'add', photo, '--alt', 'Le marché [samedi]'], env)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^!\[Le marché \\\[samedi\\\]\]\(\/media\/[0-9a-f]{32}-800x1200\.jpg\)\n$/)
    const mediaDir = join(tmp.path, 'blog', 'media')
    const files = readdirSync(mediaDir)
    expect(files).toHaveLength(6)
    for (const file of files) expect((await sharp(join(mediaDir, file)).metadata()).exif, file).toBeUndefined()

    const refused = await cli(['media', 'add', join(tmp.path, 'setup.jpg')], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('No file at')
    writeFileSync(join(tmp.path, 'setup.jpg'), ELF)
    const elf = await cli(['media', 'add', join(tmp.path, 'setup.jpg'), '--alt', 'x'], env)
    expect(elf.code).toBe(1)
    expect(elf.stderr).toContain('not a JPEG, PNG, WebP, AVIF or GIF image. Nothing was added.')
    expect(readdirSync(mediaDir)).toHaveLength(6)
    expect((await cli(['media', 'add'], env)).code).toBe(2)

    // Backup: the database, and the images beside it; again into the same place copies nothing new.
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
