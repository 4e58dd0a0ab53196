// Writes a large WordPress export for the import benchmark: `npm run bench:wxr -- generate <file> [--mb 100]`.
// Posts of a few kilobytes of HTML in WordPress's paragraph convention, each with a thread of comments (answers,
// held and spam ones), categories and tags, until the file reaches the size asked for. Written as a stream.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { cdata } from '../src/transfer/wxr-export.ts'

const WORDS =
  'le la les un une des carnet route désert palmyre syrie ville colonnes nuit matin vent sable mur porte marché thé voyage لقاء مرحبا 🙂'.split(
    ' ',
  )

function words(seed: number, n: number): string {
  let s = seed
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    out.push(WORDS[s % WORDS.length]!)
  }
  return out.join(' ')
}

const pad = (n: number) => String(n).padStart(2, '0')

export async function generateWxr(file: string, megabytes: number): Promise<{ posts: number; comments: number; bytes: number }> {
  const out = createWriteStream(file)
  let bytes = 0
  const put = async (text: string) => {
    bytes += Buffer.byteLength(text)
    if (!out.write(text)) await once(out, 'drain')
  }
  await put(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench</title>
<link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login><![CDATA[bench]]></wp:author_login><wp:author_display_name><![CDATA[Bench Writer]]></wp:author_display_name></wp:author>
`)
  let posts = 0
  let comments = 0
  let commentId = 0
  while (bytes < megabytes * 1_000_000) {
    const id = ++posts
    const date = new Date(Date.UTC(2005, 0, 1) + id * 3_600_000 * 7)
    const gmt = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:00:00`
    const body = Array.from({ length: 8 }, (_, i) => `${words(id * 31 + i, 40)}\n${words(id * 37 + i, 20)}`).join('\n\n')
    let thread = ''
    const first = commentId + 1
    for (let c = 0; c < 10; c++) {
      const cid = ++commentId
      const parent = c >= 5 ? first + (c - 5) : 0
      const status = c === 8 ? '0' : c === 9 ? 'spam' : '1'
      thread += `<wp:comment><wp:comment_id>${cid}</wp:comment_id><wp:comment_author>${cdata(`Lecteur ${cid % 997}`)}</wp:comment_author><wp:comment_author_email>l${cid % 997}@example.org</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url><wp:comment_author_IP>192.0.2.${cid % 250}</wp:comment_author_IP><wp:comment_date>${gmt}</wp:comment_date><wp:comment_date_gmt>${gmt}</wp:comment_date_gmt><wp:comment_content>${cdata(words(cid, 30))}</wp:comment_content><wp:comment_approved>${status}</wp:comment_approved><wp:comment_type>comment</wp:comment_type><wp:comment_parent>${parent}</wp:comment_parent></wp:comment>\n`
      comments++
    }
    await put(`<item><title>${cdata(`Note ${id} ${words(id, 4)}`)}</title><link>https://bench.example.org/?p=${id}</link><dc:creator>bench</dc:creator><guid isPermaLink="false">https://bench.example.org/?p=${id}</guid><content:encoded>${cdata(body)}</content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>${id}</wp:post_id><wp:post_date>${gmt}</wp:post_date><wp:post_date_gmt>${gmt}</wp:post_date_gmt><wp:comment_status>${id % 10 === 0 ? 'closed' : 'open'}</wp:comment_status><wp:post_name>note-${id}</wp:post_name><wp:status>${id % 50 === 0 ? 'draft' : 'publish'}</wp:status><wp:post_type>post</wp:post_type><category domain="category" nicename="cat-${id % 20}"><![CDATA[Catégorie ${id % 20}]]></category><category domain="post_tag" nicename="tag-${id % 100}"><![CDATA[tag ${id % 100}]]></category>
${thread}</item>
`)
  }
  await put('</channel>\n</rss>\n')
  out.end()
  await finished(out)
  return { posts, comments, bytes }
}
