// `npm run cli -- user add <name> --role <role>`: the real command, in a child process, makes a writer with that
// role who signs in and gets what the role allows; without --role it still makes an owner (scripts rely on it).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const ROOT = new URL('../..', import.meta.url).pathname
const SECRET = 'a long enough secret'

function cli(args: string[], input: string, databasePath: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databasePath, DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' },
    timeout: 60_000,
  })
}

describe('npm run cli -- user add --role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'carnet-people-cli-'))
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ dir, demo: false })
  })
  afterAll(async () => {
    await blog.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const roleOf = async (username: string) =>
    (await blog.app.db.selectFrom('users').select('role').where('username', '=', username).executeTakeFirst())?.role

  it('makes an owner by default, and a writer of the role given', async () => {
    const owner = cli(['user', 'add', 'olga'], `${SECRET}\n`, blog.config.databasePath)
    expect(owner.stderr).toBe('')
    expect(owner.status).toBe(0)
    expect(await roleOf('olga')).toBe('owner')

    const editor = cli(['user', 'add', 'edith', '--role', 'editor'], `${SECRET}\n`, blog.config.databasePath)
    expect(editor.stderr).toBe('')
    expect(editor.status).toBe(0)
    expect(editor.stdout).toContain('Writer "edith" created (editor).')
    expect(await roleOf('edith')).toBe('editor')

    const contributor = cli(['user', 'add', '--role=contributor', 'carl'], `${SECRET}\n`, blog.config.databasePath)
    expect(contributor.status).toBe(0)
    expect(await roleOf('carl')).toBe('contributor')

    // The role is real: the editor signs in, moderates, and may not open the settings.
    const client = new AdminClient(blog.app)
    expect((await client.signIn('edith', SECRET)).statusCode).toBe(303)
    expect((await client.get('/admin/comments')).statusCode).toBe(200)
    expect((await client.get('/admin/settings')).statusCode).toBe(403)
  })

  it('refuses an unknown role, creating nothing', async () => {
    const before = await blog.app.db.selectFrom('users').selectAll().execute()
    const res = cli(['user', 'add', 'zed', '--role', 'boss'], `${SECRET}\n`, blog.config.databasePath)
    expect(res.status).toBe(2)
    expect(res.stderr).toContain('Unknown role "boss": one of owner, administrator, editor, author, contributor.')
    const missing = cli(['user', 'add', 'zed', '--role'], `${SECRET}\n`, blog.config.databasePath)
    expect(missing.status).toBe(2)
    expect(await blog.app.db.selectFrom('users').selectAll().execute()).toEqual(before)
  })

  it('says --role in its usage', () => {
    const res = cli([], '', blog.config.databasePath)
    expect(res.status).toBe(2)
    expect(res.stdout + res.stderr).toContain('user add <username> [--role owner|administrator|editor|author|contributor]')
  })
})
