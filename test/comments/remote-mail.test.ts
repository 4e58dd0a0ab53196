// A comment from elsewhere causes the mails a form comment causes (src/mail: the admin's, the thread's
// followers'), through a real SMTP server.
import { afterEach, beforeEach, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { openPost } from '../helpers/comments.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { receiveRemoteComment } from '../../src/comments/remote.ts'

let smtp: TestSmtp
let blog: TestBlog

beforeEach(async () => {
  smtp = await startSmtp()
  blog = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, COMMENT_RATE_LIMIT: '0' } })
  await createAdmin(blog.app)
})
afterEach(async () => {
  await blog.close()
  await smtp.stop()
})

it('mails the admin about a reply from the fediverse held for moderation, as about the form’s', async () => {
  const admin = await signedIn(blog.app)
  await admin.get('/admin/account')
  await admin.post('/admin/account', { email: 'alice@blog.test', notify: 'held' })
  await blog.app.settings.update({ moderation: 'all' })
  const post = await openPost(blog, { title: 'Une note fédérée' })
  const result = await receiveRemoteComment(blog.app, {
    postId: post.id,
    parentId: null,
    origin: 'fediverse',
    originUrl: 'https://mastodon.example/users/zoe/statuses/1',
    permalink: null,
    author: { name: 'Zoé', url: null, actor: 'https://mastodon.example/users/zoe', handle: '@zoe@mastodon.example' },
    text: 'Une réponse venue du fédivers.',
  })
  expect(result).toMatchObject({ kind: 'stored', status: 'pending' })
  const [mail] = await smtp.waitFor(1)
  expect(mail!.to).toEqual(['alice@blog.test'])
  expect(mail!.parsed.subject).toBe('Commentaire en attente de modération sur « Une note fédérée »')
  expect(mail!.parsed.text).toContain('Une réponse venue du fédivers.')
})
