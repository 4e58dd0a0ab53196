// `npm run cli -- import … | head -1`: the reader goes away while the command still prints. The command finishes
// its work quietly (no EPIPE stack trace, its own exit code); what it would have printed is dropped.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useTempDir } from './helpers/app.ts'
import { cliProcess, runCli } from './helpers/cli.ts'
import { createTestDatabase } from './helpers/database.ts'
import { otherConnection } from './helpers/other-connection.ts'
import { OWN } from './helpers/transfer.ts'

const COMMENTS = 3000

/** A Disqus export of over a megabyte (so that progress lines are printed as it goes) onto one imported post. */
function bigDisqusExport(file: string): void {
  const posts = Array.from(
    { length: COMMENTS },
    (_, i) => `  <post dsq:id="${5000 + i}">
    <id />
    <message><![CDATA[<p>${'Lorem ipsum dolor sit amet. '.repeat(20)}</p>]]></message>
    <createdAt>2019-03-04T01:02:03Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Lecteur ${i}</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="2001" />
  </post>`,
  )
  writeFileSync(
    file,
    `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="2001">
    <id />
    <link>https://old.example.org/2015/05/21/arrivee-a-palmyre/</link>
    <title>Arrivée à Palmyre</title>
    <createdAt>2015-05-21T08:30:00Z</createdAt>
    <isClosed>false</isClosed>
    <isDeleted>false</isDeleted>
  </thread>
${posts.join('\n')}
</disqus>
`,
  )
}

describe('a command whose output is closed early', () => {
  const tmp = useTempDir('closed-pipe')

  it('ends quietly: no stack trace, exit code 0, the import done', async () => {
    const database = await createTestDatabase(tmp.path)
    const env = { DATABASE_URL: database.url, ...database.env, DEMO_CONTENT: 'false' }
    const other = await otherConnection(database.url)
    try {
      expect((await runCli(['import', 'wxr', join(OWN, 'threads.xml')], env)).code).toBe(0)
      const file = join(tmp.path, 'disqus.xml')
      bigDisqusExport(file)
      // `| head -1`: the reader takes the first line, then closes its end of the pipe.
      const { child, done } = cliProcess(['import', 'disqus', file], env)
      let first = ''
      child.stdout!.once('data', (chunk: Buffer) => {
        first = chunk.toString()
        child.stdout!.destroy()
      })
      const run = await done
      expect(first).toMatch(/^Importing: \d+ % of 2\.\d MB/)
      expect(run.stderr).toBe('')
      expect(run.signal).toBeNull()
      expect(run.code).toBe(0)
      const [row] = await other.all<{ n: number | string }>("select count(*) as n from comments where author_name like 'Lecteur %'")
      expect(Number(row!.n)).toBe(COMMENTS)
    } finally {
      await other.close()
      await database.drop()
    }
  }, 60_000)
})
