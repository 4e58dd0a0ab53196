// The word lists and the link limit, without the app: what counts as a link, what a list entry matches.
import { describe, expect, it } from 'vitest'
import { countLinks, findListed, fold, judgeComment, wordListEntries, type CommentRules } from '../../src/comments/rules.ts'
import { cleanWordList, isWordListWithinLimits, WORD_LIST_MAX_CHARS, WORD_LIST_MAX_LINES } from '../../src/settings/settings.ts'

const RULES: CommentRules = { maxLinks: 2, holdWords: '', refuseWords: '' }
const COMMENT = { author: 'Camille', email: 'camille@example.org', url: 'https://camille.example.org/', body: 'Merci.', ip: '203.0.113.7' }

describe('counting links', () => {
  it('counts http(s):// and www. addresses, each once', () => {
    expect(countLinks('Pas de lien ici.')).toBe(0)
    expect(countLinks('Voir https://example.org/a?b=1 aussi.')).toBe(1)
    expect(countLinks('http://a.example et HTTPS://b.example, puis www.c.example.')).toBe(3)
    expect(countLinks('https://www.example.org/ compte une fois')).toBe(1)
    expect(countLinks('(www.example.org)\nwww.example.org')).toBe(2)
  })

  it('does not count what is not an address', () => {
    expect(countLinks('example.org, camille@www.example.org, awww.example, un mot: https')).toBe(0)
    expect(countLinks('https://')).toBe(0)
  })

  it('reads full-width letters as a browser does', () => {
    expect(countLinks('ｈｔｔｐｓ://example.org')).toBe(1)
  })
})

describe('word lists', () => {
  it('fold case, accents and compatibility forms', () => {
    expect(fold('VIÁGRA')).toBe('viagra')
    expect(fold('Ｃａｓｉｎｏ ﬁnance')).toBe('casino finance')
  })

  it('ignore blank lines and surrounding spaces', () => {
    expect(wordListEntries('  viagra  \n\n\r\ncasino en ligne\r\n   \n')).toEqual(['viagra', 'casino en ligne'])
    expect(wordListEntries('')).toEqual([])
  })

  it('match an entry inside any text, whatever its case and accents', () => {
    expect(findListed('Viagra', ['Achetez du VIÁGRA ici'])).toBe('viagra')
    expect(findListed('viagra', ['Acheter duviagrapas cher'])).toBe('viagra')
    expect(findListed('Élysée', ['elysee'])).toBe('elysee')
    expect(findListed('casino\nviagra', ['rien à voir'])).toBeNull()
  })

  it('are stored cleaned and limited in lines and characters', () => {
    expect(cleanWordList('  a \r\n\r\n b\n')).toBe('a\nb')
    expect(isWordListWithinLimits(cleanWordList(Array.from({ length: WORD_LIST_MAX_LINES }, (_, i) => `w${i}`).join('\n')))).toBe(true)
    expect(isWordListWithinLimits(cleanWordList(Array.from({ length: WORD_LIST_MAX_LINES + 1 }, (_, i) => `w${i}`).join('\n')))).toBe(false)
    expect(isWordListWithinLimits('x'.repeat(WORD_LIST_MAX_CHARS))).toBe(true)
    expect(isWordListWithinLimits('x'.repeat(WORD_LIST_MAX_CHARS + 1))).toBe(false)
  })
})

describe('judging a comment', () => {
  it('lets an ordinary comment pass', () => {
    expect(judgeComment(COMMENT, RULES)).toEqual({ kind: 'pass' })
  })

  it('holds a comment with more links than the limit; the website does not count', () => {
    const two = { ...COMMENT, body: 'https://a.example https://b.example' }
    expect(judgeComment(two, RULES)).toEqual({ kind: 'pass' })
    expect(judgeComment({ ...two, body: `${two.body} www.c.example` }, RULES)).toEqual({ kind: 'hold', reason: 'links' })
    expect(judgeComment({ ...COMMENT, body: 'www.a.example' }, { ...RULES, maxLinks: 0 })).toEqual({ kind: 'hold', reason: 'links' })
    expect(judgeComment(COMMENT, { ...RULES, maxLinks: 0 })).toEqual({ kind: 'pass' })
  })

  it('holds for a hold word in the name, e-mail, website, text or IP', () => {
    const rules = { ...RULES, holdWords: 'spammeur\nbad-mail.example\nsite-louche\ngratuit\n198.51.100.' }
    expect(judgeComment({ ...COMMENT, author: 'Le SPAMMEUR' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
    expect(judgeComment({ ...COMMENT, email: 'x@Bad-Mail.example' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
    expect(judgeComment({ ...COMMENT, url: 'https://site-louche.example/' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
    expect(judgeComment({ ...COMMENT, body: 'C’est GRATUÏT !' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
    expect(judgeComment({ ...COMMENT, ip: '198.51.100.23' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
    expect(judgeComment(COMMENT, rules)).toEqual({ kind: 'pass' })
  })

  it('matches an internationalised website as people read it', () => {
    const rules = { ...RULES, holdWords: 'exämple.fr' }
    expect(judgeComment({ ...COMMENT, url: new URL('https://exämple.fr/').href }, rules)).toEqual({ kind: 'hold', reason: 'words' })
  })

  it('refuses for a refuse word, before any hold rule', () => {
    const rules = { ...RULES, maxLinks: 0, holdWords: 'casino', refuseWords: 'Viagra' }
    expect(judgeComment({ ...COMMENT, body: 'casino https://a.example VIÁGRA' }, rules)).toEqual({ kind: 'refuse' })
    expect(judgeComment({ ...COMMENT, body: 'casino' }, rules)).toEqual({ kind: 'hold', reason: 'words' })
  })
})
