// WordPress stores post bodies as HTML with a paragraph convention instead of <p> tags: a blank line starts a
// paragraph, a single newline is a line break, block-level tags stand alone. This is a port of the essentials
// of WordPress's wpautop() (wp-includes/formatting.php), in the same order, so that an imported post reads as it
// did on WordPress; plus what the block editor and shortcodes leave in the HTML (`<!-- wp:… -->` comments,
// `[caption]…[/caption]`), which only a WordPress plugin could render. The result is sanitized afterwards.

const BLOCKS =
  '(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)'

/** Shortcodes that wrap content: the content is kept (a caption's image and text), the brackets dropped. */
const WRAPPING_SHORTCODE = /\[(caption|wp_caption|embed|quote|code|sourcecode)\b[^\]]*\]([\s\S]*?)\[\/\1\]/gi
/** Shortcodes that stand alone and only a plugin can render: dropped (their images are in the post's gallery). */
const LONE_SHORTCODE = /\[(gallery|audio|video|playlist|contact-form[\w-]*)\b[^\]]*\](?:\s*\[\/\1\])?/gi

/** Drops the block editor's comments and reduces shortcodes to their content. */
export function stripWordPressMarkup(html: string): string {
  let text = html.replace(/<!--\s*\/?wp:[\s\S]*?-->/g, '')
  // Nested shortcodes ([caption] inside [embed]…): unwrap until nothing changes.
  for (let previous = ''; previous !== text;) {
    previous = text
    text = text.replace(WRAPPING_SHORTCODE, '$2')
  }
  return text.replace(LONE_SHORTCODE, '')
}

export function wpautop(input: string): string {
  let text = stripWordPressMarkup(input).replace(/\r\n?/g, '\n')
  if (text.trim() === '') return ''
  text += '\n'

  // <pre> keeps its newlines: set aside, put back at the end.
  const pres: string[] = []
  text = text.replace(/<pre[\s>][\s\S]*?<\/pre>/gi, (m) => {
    pres.push(m)
    return `<pre wp-pre-tag-${pres.length - 1}></pre>`
  })
  // A newline inside a tag (`<a\nhref=…>`) is a space, not a line break.
  text = text.replace(/<[^>]*>/g, (tag) => tag.replace(/\s*\n\s*/g, ' '))

  text = text.replace(/<br\s*\/?>\s*<br\s*\/?>/gi, '\n\n')
  text = text.replace(new RegExp(`(<${BLOCKS}[\\s/>])`, 'gi'), '\n\n$1')
  text = text.replace(new RegExp(`(</${BLOCKS}>)`, 'gi'), '$1\n\n')
  text = text.replace(/\n\n+/g, '\n\n')

  text = text
    .split(/\n\s*\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${p.replace(/^\n*|\n*$/g, '')}</p>\n`)
    .join('')

  text = text.replace(/<p>\s*<\/p>/g, '')
  text = text.replace(/<p>([^<]+)<\/(div|address|form)>/g, '<p>$1</p></$2>')
  text = text.replace(new RegExp(`<p>\\s*(</?${BLOCKS}[^>]*>)\\s*</p>`, 'gi'), '$1')
  text = text.replace(/<p>(<li.+?)<\/p>/g, '$1')
  text = text.replace(/<p><blockquote([^>]*)>/gi, '<blockquote$1><p>')
  text = text.replace(/<\/blockquote><\/p>/g, '</p></blockquote>')
  text = text.replace(new RegExp(`<p>\\s*(</?${BLOCKS}[^>]*>)`, 'gi'), '$1')
  text = text.replace(new RegExp(`(</?${BLOCKS}[^>]*>)\\s*</p>`, 'gi'), '$1')

  // Single newlines left inside paragraphs are line breaks.
  text = text.replace(/(?<!<br \/>)\s*\n/g, '<br />\n')
  text = text.replace(new RegExp(`(</?${BLOCKS}[^>]*>)\\s*<br />`, 'gi'), '$1')
  text = text.replace(/<br \/>(\s*<\/?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)/gi, '$1')
  text = text.replace(/\n<\/p>$/g, '</p>')

  return text.replace(/<pre wp-pre-tag-(\d+)><\/pre>/g, (_, i: string) => pres[Number(i)]!)
}
