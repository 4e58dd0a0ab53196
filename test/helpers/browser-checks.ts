// The two checkers every page must pass: html-validate on the source the server sent, axe-core on the page the
// browser rendered.
import { AxeBuilder } from '@axe-core/playwright'
import { HtmlValidate } from 'html-validate'
import type { Page } from 'playwright-core'

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Long French titles and URLs in comments are fine as they are.
    'long-title': 'off',
  },
})

/** html-validate's errors for a page's source, as readable lines. */
export async function htmlErrors(html: string, name: string): Promise<string[]> {
  const report = await validator.validateString(html, `${name}.html`)
  return report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} line ${m.line}: ${m.message}`))
}

/** axe-core's violations (WCAG 2.1 A and AA, and best practices) on the page as rendered. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}
