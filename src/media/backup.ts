// The media folder beside a database backup: `<backup>.media/`. Names are content-addressed (a name never gets
// other bytes), so a file already there with the same size is kept: backing up into the same place again copies
// only the new images. Each file is copied under a temporary name and renamed, as everywhere in the folder.
import { constants, existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { tempName } from './image.ts'
import { MEDIA_FILE } from './names.ts'

export function mediaBackupDir(backupFile: string): string {
  return `${backupFile}.media`
}

/** Copies every library file of `from` missing from `to`. */
export async function copyMediaFiles(from: string, to: string): Promise<{ files: number; copied: number }> {
  if (!existsSync(from)) return { files: 0, copied: 0 }
  let files = 0
  let copied = 0
  for (const name of await readdir(from)) {
    if (!MEDIA_FILE.test(name)) continue
    const source = await stat(join(from, name)).catch(() => null)
    // Deleted meanwhile (an admin deleting an image while the backup runs): nothing to copy.
    if (!source?.isFile()) continue
    files++
    const there = await stat(join(to, name)).catch(() => null)
    if (there?.size === source.size) continue
    // Made with the first file: a blog without images gets no empty folder beside its backups.
    await mkdir(to, { recursive: true })
    const temp = join(to, tempName())
    try {
      await copyFile(join(from, name), temp, constants.COPYFILE_FICLONE)
      await rename(temp, join(to, name))
      copied++
    } catch (err) {
      await rm(temp, { force: true })
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        files--
        continue
      }
      throw err
    }
  }
  return { files, copied }
}
