/// <reference lib="dom" />
// The Import / export page in a real browser: a refused file shows an error notice framed in the error colour
// on every side (it had a green frame with a red left edge), its reason in French, and a dry run's file is
// imported by the next click without being chosen again.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { ADMIN, hasChromium, navigation, signIn, useBlogAndBrowser } from '../helpers/browser.ts'
import { WP_WXR } from '../helpers/transfer.ts'

describe.skipIf(!hasChromium)('the Import / export page', () => {
  const live = useBlogAndBrowser({ demo: false })
  beforeAll(async () => {
    await createUser(live.blog.app.db, ADMIN.username, ADMIN.password)
  })

  it('frames a refusal in red on every side, says it in French, and imports a dry run’s file with one more click', async () => {
    const page = await live.browser.context.newPage()
    await page.goto(`${live.blog.url}/admin/login`)
    await signIn(page)
    await page.goto(`${live.blog.url}/admin/transfer`)
    await page.getByLabel('Fichier', { exact: true }).setInputFiles(join(WP_WXR, 'malformed-simple.xml'))
    await navigation(page, () => page.getByRole('button', { name: 'Importer', exact: true }).click())
    const notice = page.locator('.notice-error')
    expect(await notice.innerText()).toMatch(/ligne 14, colonne \d+ : balise <item> ouverte ligne 9, colonne 1, jamais fermée/)
    const sides = await notice.evaluate((el) => {
      const s = getComputedStyle(el)
      return [s.borderTopColor, s.borderRightColor, s.borderBottomColor, s.borderLeftColor]
    })
    // --error: #a10f1c
    expect(sides).toEqual(Array(4).fill('rgb(161, 15, 28)'))

    await page.getByLabel('Fichier', { exact: true }).setInputFiles(join(WP_WXR, 'theme-unit-test-shape.xml'))
    await page.getByRole('checkbox', { name: /Essai à blanc/ }).check()
    await navigation(page, () => page.getByRole('button', { name: 'Importer', exact: true }).click())
    expect(await page.locator('main').innerText()).toContain('Essai à blanc : rien n’a été écrit')
    expect(await live.blog.app.db.selectFrom('posts').select('id').execute()).toEqual([])
    // No file chosen again: the kept one is imported.
    expect(await page.getByRole('checkbox', { name: /Essai à blanc/ }).isChecked()).toBe(false)
    await navigation(page, () => page.getByRole('button', { name: 'Importer', exact: true }).click())
    expect(await page.locator('main').innerText()).toContain('Import terminé')
    // The file's four posts and its page (pages come in as pages).
    expect(await live.blog.app.db.selectFrom('posts').select('id').where('kind', '=', 'post').execute()).toHaveLength(4)
    expect(await live.blog.app.db.selectFrom('posts').select('id').where('kind', '=', 'page').execute()).toHaveLength(1)
    await page.close()
  })
})
