/// <reference lib="dom" />
// Measures what a finger has to hit. WCAG 2.2 SC 2.5.8 (Target Size, Minimum) wants every target at least
// 24 × 24 CSS px, or far enough from the others (its spacing exception); a link inside a sentence is exempt (its
// size is the line-height of the text around it). Carnet holds itself to the stricter half: every link, button,
// form control and checkbox label outside a sentence is 24 × 24 px itself. The spacing exception would pass a
// 13 px checkbox or an 18 px link in a list that margins alone keep apart: still hard to hit with a thumb, and
// one CSS edit to a margin away from failing. Also: whether the page scrolls sideways.
import type { Page } from 'playwright-core'

/** The phone width the issue measured at. */
export const PHONE = { width: 375, height: 812 } as const

/** Targets smaller than 24 × 24 px on the page as it is laid out now, as readable lines (empty when all pass). */
export function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const MIN = 24
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary'
    const isTarget = (el: Element) => el.matches(selector) || isChoiceLabel(el)
    // A label that toggles a checkbox or radio button is hit as often as the box itself.
    function isChoiceLabel(el: Element): boolean {
      if (!(el instanceof HTMLLabelElement)) return false
      const control = el.control
      return control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio')
    }
    function shown(el: Element): boolean {
      const r = el.getBoundingClientRect()
      // 1 px: the visually-hidden pattern; left of the page: the skip link until it has focus.
      if (r.width <= 1 || r.height <= 1 || r.right <= 0) return false
      const style = getComputedStyle(el)
      return style.visibility !== 'hidden' && style.display !== 'none'
    }
    /** Inline, inside a block that has words of its own besides its targets: a link in a sentence. */
    function inSentence(el: Element): boolean {
      if (getComputedStyle(el).display !== 'inline') return false
      let block = el.parentElement
      while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement
      if (!block) return false
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT)
      let own = ''
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let up = node.parentElement
        while (up && up !== block && !isTarget(up)) up = up.parentElement
        if (up === block) own += node.textContent
      }
      return /\p{L}/u.test(own)
    }
    function name(el: Element): string {
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40)
      const label = el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.id
      return `<${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}> "${text || label}"`
    }
    const problems: string[] = []
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      if (!isTarget(el) || !shown(el) || inSentence(el)) continue
      const r = el.getBoundingClientRect()
      if (r.width < MIN - 0.01 || r.height < MIN - 0.01) problems.push(`${name(el)} is ${r.width.toFixed(1)} × ${r.height.toFixed(1)} px`)
    }
    return problems
  })
}

/** How far the page scrolls sideways, in CSS px (0 when it fits the viewport). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.scrollingElement!.scrollWidth - window.innerWidth))
}
