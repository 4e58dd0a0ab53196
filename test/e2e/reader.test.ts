/// <reference lib="dom" />
// A reader opens the home page, follows a post, a category and a month archive, then searches.
import { describe, expect, it } from 'vitest'
import { hasChromium, navigation, screenshots, watchPage, useBlogAndBrowser } from '../helpers/browser.ts'

describe.skipIf(!hasChromium)('reader flow', () => {
  const live = useBlogAndBrowser()

  it('reads the home page, a post, a category and a month, and searches', async () => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(live.blog.url)
    await expect.poll(() => page.title()).toBe('Carnet')
    await screenshots(page, 'reader-home')

    // Page 2 of the home page holds the seed post.
    await page.getByRole('link', { name: 'Page suivante »' }).click()
    await page
      .getByRole('link', { name: /Syrie : Daech s'empare d'Al-Qaryatayn/ })
      .first()
      .click()
    await expect.poll(() => page.locator('h1').textContent()).toContain("Syrie : Daech s'empare d'Al-Qaryatayn")
    expect(await page.locator('.post-footer p').first().textContent()).toContain('19:08 Publié dans')
    expect(await page.getByText('Écrit par : Daniel | 03/10/2017').count()).toBe(1)
    expect(await page.getByText('Les commentaires sont fermés.').isVisible()).toBe(true)
    await screenshots(page, 'reader-post')

    // The footer's category link.
    await page.locator('.post-footer').getByRole('link', { name: 'Armée Arabe Syrienne' }).click()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Catégorie : Armée Arabe Syrienne')
    expect(await page.locator('.post-summary').count()).toBe(2)
    await screenshots(page, 'reader-category')

    // The sidebar's month archive.
    await page.locator('.sidebar').getByRole('link', { name: 'Octobre 2017' }).click()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Archives : Octobre 2017')
    const titles = await page.locator('.post-summary h2').allTextContents()
    expect(titles).toEqual([
      'Syrie : Al-Qaryatayn, suite et fin',
      'Irak : après Mossoul, la bataille de Hawija',
      "Syrie : Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie",
    ])
    await screenshots(page, 'reader-month')

    // The sidebar's search box: a word from a post's text, then the result.
    await page.locator('.sidebar').getByRole('searchbox', { name: 'Rechercher dans le carnet' }).fill('Hawija')
    await navigation(page, () => page.locator('.sidebar').getByRole('button', { name: 'Rechercher' }).click())
    expect(new URL(page.url()).searchParams.get('q')).toBe('Hawija')
    expect(await page.locator('.search-count').textContent()).toBe('1 résultat pour « Hawija »')
    const result = page.locator('.search-result h3 a')
    expect(await result.allTextContents()).toEqual(['Irak : après Mossoul, la bataille de Hawija'])
    // The word is marked where it was found.
    expect(await page.locator('.search-result mark').first().textContent()).toBe('Hawija')
    await screenshots(page, 'reader-search')
    await navigation(page, () => result.click())
    expect(await page.locator('h1').textContent()).toBe('Irak : après Mossoul, la bataille de Hawija')

    // On a phone the page does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 })
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    expect(problems).toEqual([])
    await page.close()
  })
})
