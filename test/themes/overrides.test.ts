// A theme's views/ replace Carnet's templates by the same relative path; the rest stays Carnet's; the start-up
// log names what the theme replaces and warns about what it holds that is not used; an old name still works.
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, SEED_PATH, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { logRecords } from '../helpers/comments.ts'
import { writeTheme } from './helpers.ts'

interface LogRecord {
  level: number
  msg: string
  overrides?: string[]
}

describe('a theme from THEME_DIR', () => {
  const tmp = useTempDir('theme')
  let blog: TestBlog | undefined
  afterEach(async () => {
    await blog?.close()
    blog = undefined
  })

  it('replaces the templates at the same relative path, and only those', async () => {
    const theme = writeTheme(tmp.path, {
      'views/partials/footer.eta': '<footer class="theme-footer"><p>Pied du thème de <%= it.site.title %></p></footer>\n',
      'views/posts/meta.eta': '<p class="theme-meta">Le <%= it.post.dateHeader %><% if (it.full) { %> (page de la note)<% } %></p>\n',
      'views/comments/comment.eta':
        '<article id="<%= it.comment.anchor %>"><p class="theme-comment"><%= it.comment.authorName %> a écrit</p></article>\n',
      // A relative include from a theme's file: Carnet's menu, the theme having none.
      'views/partials/header.eta': '<header class="theme-header"><p><%= it.site.title %></p><%~ include(\'./menu\', it) %></header>\n',
    })
    blog = await buildTestApp({ env: { THEME_DIR: theme } })

    const post = await blog.app.inject(SEED_PATH)
    expect(post.statusCode).toBe(200)
    expect(post.body).toContain('<footer class="theme-footer"><p>Pied du thème de Carnet</p></footer>')
    expect(post.body).toContain('<header class="theme-header"><p>Carnet</p></header>')
    expect(post.body).not.toContain('Propulsé par Carnet')
    expect(visibleText(mainOf(post.body))).toContain('Le 01/10/2017 (page de la note)')
    expect(mainOf(post.body)).not.toContain('Lien permanent')
    // One comment is the theme's; the list around it and the form are Carnet's.
    expect(visibleText(post.body)).toContain('Daniel a écrit')
    expect(visibleText(post.body)).toContain('Belliard a écrit')
    expect(post.body).not.toContain('Écrit par : ')
    expect(post.body).toContain('<ol class="comment-list">')
    // Carnet's own templates where the theme has none: the post, the sidebar.
    expect(post.body).toContain('<h1 class="post-title p-name" dir="auto">Syrie : Daech')
    expect(post.body).toContain('<aside class="sidebar">')

    const home = await blog.app.inject('/')
    expect(home.statusCode).toBe(200)
    expect(mainOf(home.body)).toContain('<p class="theme-meta">Le ')
    expect(mainOf(home.body)).not.toContain('(page de la note)')
  })

  it('without THEME_DIR, the templates are Carnet’s', async () => {
    blog = await buildTestApp()
    const post = await blog.app.inject(SEED_PATH)
    expect(post.body).toContain('<footer class="site-footer">')
    expect(post.body).toContain('Propulsé par Carnet')
    expect(visibleText(post.body)).toContain('Écrit par : Daniel | 03/10/2017')
    expect(blog.app.theme).toBeNull()
  })

  it('logs at start which templates it replaces, and warns about files that replace none', async () => {
    const theme = writeTheme(tmp.path, {
      'views/partials/footer.eta': '<footer><p>pied</p></footer>\n',
      'views/partials/sidebar.eta': '<aside class="sidebar"><p>colonne</p></aside>\n',
      'views/partials/footr.eta': 'a typo\n',
      'views/notes.txt': 'not a template\n',
      'views/posts/show.eta': '<% layout("/layouts/main") %><p>note</p>\n',
      'views/admin/home.eta': 'the admin is not themable\n',
    })
    const { records, logger } = logRecords<LogRecord>()
    blog = await buildTestApp({ env: { THEME_DIR: theme }, logger })
    const info = records.filter((r) => r.level === 30 && r.msg.startsWith('theme essai'))
    expect(info).toHaveLength(1)
    expect(info[0]!.overrides).toEqual(['partials/footer.eta', 'partials/sidebar.eta', 'posts/show.eta'])
    expect(info[0]!.msg).toContain('replaces partials/footer.eta, partials/sidebar.eta, posts/show.eta')
    const warnings = records.filter((r) => r.level === 40).map((r) => r.msg)
    expect(warnings).toEqual(
      expect.arrayContaining([
        "theme essai: views/partials/footr.eta matches no template of Carnet's, so it is not used",
        "theme essai: views/notes.txt matches no template of Carnet's, so it is not used",
        "theme essai: views/admin/home.eta matches no template of Carnet's, so it is not used",
        expect.stringContaining('views/posts/show.eta is not one of the stable override points'),
      ]),
    )
    expect(warnings).toHaveLength(4)
    // The sidebar, rendered once and kept, is the theme's too.
    const home = await blog.app.inject('/')
    expect(home.body).toContain('<aside class="sidebar"><p>colonne</p></aside>')
    // The admin keeps Carnet's look.
    const login = await blog.app.inject('/admin/login')
    expect(login.statusCode).toBe(200)
    expect(login.body).not.toContain('the admin is not themable')
  })

  it('takes a renamed template under its old name, with a warning', async () => {
    const theme = writeTheme(tmp.path, {
      'views/partials/comment.eta': '<article id="<%= it.comment.anchor %>"><p>Ancien nom : <%= it.comment.authorName %></p></article>\n',
    })
    const { records, logger } = logRecords<LogRecord>()
    blog = await buildTestApp({ env: { THEME_DIR: theme }, logger })
    const post = await blog.app.inject(SEED_PATH)
    expect(visibleText(post.body)).toContain('Ancien nom : Daniel')
    expect(visibleText(post.body)).not.toContain('Écrit par : Daniel')
    expect(records.find((r) => r.level === 30 && r.msg.startsWith('theme essai'))!.overrides).toEqual(['comments/comment.eta'])
    expect(records.filter((r) => r.level === 40).map((r) => r.msg)).toEqual([
      'theme essai: views/partials/comment.eta is the old name of comments/comment.eta; it is used, but rename it: the old name goes in a coming release',
    ])
  })

  it('prefers the new name when a theme has both', async () => {
    const theme = writeTheme(tmp.path, {
      'views/partials/comment.eta': '<article id="<%= it.comment.anchor %>"><p>Ancien</p></article>\n',
      'views/comments/comment.eta': '<article id="<%= it.comment.anchor %>"><p>Nouveau : <%= it.comment.authorName %></p></article>\n',
    })
    blog = await buildTestApp({ env: { THEME_DIR: theme } })
    const text = visibleText((await blog.app.inject(SEED_PATH)).body)
    expect(text).toContain('Nouveau : Daniel')
    expect(text).not.toContain('Ancien')
  })
})
