// A real, tiny filesystem that a test fills to the last byte (a full disk under the database), where this process
// may mount one: root, as in CI.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Whether this process may mount a tmpfs (root, or a mount namespace): then a test can fill a real disk. */
export function canMountTmpfs(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'carnet-mount-probe-'))
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0
    if (mounted) spawnSync('umount', [dir])
    return mounted
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  }
}

/** A new folder with a tmpfs of `size` (mount's syntax, `4m`) mounted on it; `options` are mount's (`uid=…`). */
export function mountTmpfs(name: string, size: string, options: string[] = []): { path: string; unmount(): void } {
  const path = mkdtempSync(join(tmpdir(), `carnet-${name}-`))
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', [`size=${size}`, ...options].join(','), 'tmpfs', path], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`mount tmpfs on ${path} failed: ${result.stderr}`)
  return {
    path,
    unmount() {
      spawnSync('umount', [path])
      rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
}

/** Fills the filesystem of `dir` to the last byte with one file, and returns its path (remove it to make room). */
export function fillFilesystem(dir: string): string {
  const filler = join(dir, 'filler')
  let size = 64 * 1024 * 1024
  writeFileSync(filler, '')
  while (size >= 1) {
    try {
      writeFileSync(filler, Buffer.alloc(size), { flag: 'a' })
    } catch {
      size = Math.floor(size / 2)
    }
  }
  return filler
}
