// What a mail says, as a few blocks (paragraphs, a quoted comment, labelled links), written out twice: as plain
// text and as HTML (every piece of text escaped here; no template engine, because a mail's HTML must stand
// alone: inline styles, no stylesheet, no layout). The footer (why you get it, how to stop) is added when the
// mail is sent, so that a digest can carry one footer for several mails.
import { escapeHtml } from '../lib/html.ts'

export type Block = { p: string } | { quote: string; by: string } | { link: string; url: string }

export function toText(blocks: readonly Block[]): string {
  return blocks
    .map((b) => {
      if ('p' in b) return b.p
      if ('quote' in b) return `${b.by}:\n${b.quote.replace(/^/gm, '> ')}`
      return `${b.link}\n${b.url}`
    })
    .join('\n\n')
}

export function toHtml(blocks: readonly Block[]): string {
  return blocks
    .map((b) => {
      if ('p' in b) return `<p>${escapeHtml(b.p)}</p>`
      if ('quote' in b) {
        const paragraphs = b.quote
          .split(/\n{2,}/)
          .map((para) => `<p dir="auto">${escapeHtml(para).replace(/\n/g, '<br>')}</p>`)
          .join('')
        return `<blockquote style="margin:1em 0;padding:0 1em;border-left:3px solid #ccc;color:#333"><p><strong>${escapeHtml(b.by)}</strong></p>${paragraphs}</blockquote>`
      }
      return `<p>${escapeHtml(b.link)}<br><a href="${escapeHtml(b.url)}">${escapeHtml(b.url)}</a></p>`
    })
    .join('\n')
}

export interface Footer {
  why: string
  unsubscribeLabel: string
  /** The text part's line, punctuated in the mail's language. */
  unsubscribeLine: string | null
  unsubscribeUrl: string | null
}

export function textWithFooter(body: string, footer: Footer): string {
  const stop = footer.unsubscribeLine ? `\n${footer.unsubscribeLine}` : ''
  // "-- " is the signature separator mail clients know.
  return `${body}\n\n-- \n${footer.why}${stop}\n`
}

export function htmlDocument(lang: string, subject: string, body: string, footer: Footer): string {
  const stop = footer.unsubscribeUrl ? ` <a href="${escapeHtml(footer.unsubscribeUrl)}">${escapeHtml(footer.unsubscribeLabel)}</a>` : ''
  return `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40em;margin:0 auto;padding:1em;color:#111">
${body}
<hr style="border:0;border-top:1px solid #ddd;margin:2em 0 1em">
<p style="font-size:0.9em;color:#555">${escapeHtml(footer.why)}${stop}</p>
</body>
</html>
`
}
