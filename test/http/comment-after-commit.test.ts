// A comment is stored, and then the database fails before its page is worked out (issue 30: PostgreSQL's
// connections exhausted right after the COMMIT answered "try again" for a comment that had been kept, and its
// author sent it twice). Once stored, the answer is the 303 of a stored comment: to the post's address at the
// comment's anchor when its page of comments cannot be read. The database's fault here is a real one: the comments
// table moved out of the way (as an operator's mistaken SQL would) between the commit and the read, through the
// hook that runs there (app.commentStoredHooks). PostgreSQL's connections terminated at that moment
// are in postgres-outage.test.ts.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialectOf } from '../../src/db/dialect.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { commentList, commentsOf, logRecords, openPost, send } from '../helpers/comments.ts'
import { postgresBin } from '../helpers/postgres-cluster.ts'

type Line = { msg: string; level: number; comment?: number }

/**
 * Runs SQL synchronously (the hook it runs in cannot wait): on PostgreSQL in another session (psql); on SQLite,
 * where a schema change is the file's whatever the connection, through the app's own.
 */
function alterSync(blog: TestBlog, sql: string): void {
  const url = blog.config.databasePath
  if (dialectOf(url) === 'postgres') {
    execFileSync(join(postgresBin()!, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql])
    return
  }
  blog.app.sqlite.exec(sql)
}

let blog: TestBlog
let logs: Line[]
beforeEach(async () => {
  const log = logRecords<Line>()
  logs = log.records
  blog = await buildTestApp({ logger: log.logger, env: { COMMENT_RATE_LIMIT: '0' } })
})
afterEach(() => blog.close())

describe('a comment stored, then its page cannot be read', () => {
  it('is answered 303 to the post at the comment’s anchor, stored once, and the failure logged', async () => {
    const post = await openPost(blog)
    let away = false
    blog.app.commentStoredHooks.push(() => {
      alterSync(blog, 'alter table comments rename to comments_away')
      away = true
    })
    let res: Awaited<ReturnType<typeof send>>
    try {
      res = await send(blog, post.url, { author: 'Zoë', body: 'Gardé, même si la suite échoue.' })
    } finally {
      if (away) alterSync(blog, 'alter table comments_away rename to comments')
    }
    blog.app.commentStoredHooks.pop()
    const stored = await commentsOf(blog, post.id)
    expect(stored).toHaveLength(1)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${post.url}#comment-${stored[0]!.id}`)
    // The author's page shows it.
    const page = await blog.app.inject(post.url)
    expect(page.statusCode).toBe(200)
    expect(commentList(page.body)).toContain('Gardé, même si la suite échoue.')
    // The log says what failed, about which comment, once.
    const failed = logs.filter((l) => l.level >= 50)
    expect(failed.map((l) => [l.msg, l.comment])).toEqual([['comment stored, but its page could not be read', stored[0]!.id]])
  })
})
