import type { Language } from '../config.ts'
import { en } from './en.ts'
import { fr, type Messages } from './fr.ts'

export type { Messages }
export const catalogues: Record<Language, Messages> = { fr, en }

export function messages(language: Language): Messages {
  return catalogues[language]
}

/** Date and time formatting in the blog's language and time zone. Intl formatters are costly to build: kept. */
export interface Formatter {
  dateHeader(iso: string): string
  commentDate(iso: string): string
  time(iso: string): string
  monthYear(year: number, month: number): string
}

const formatters = new Map<string, Formatter>()

/**
 * Formatting a date costs microseconds, and a page formats the same few hundred instants on every request (its
 * comments, its posts): the results are kept, up to a bound (then forgotten all at once).
 */
function remembered(format: (iso: string) => string, max = 5000): (iso: string) => string {
  const known = new Map<string, string>()
  return (iso) => {
    let s = known.get(iso)
    if (s === undefined) {
      if (known.size >= max) known.clear()
      known.set(iso, (s = format(iso)))
    }
    return s
  }
}

export function formatter(language: Language, timeZone: string): Formatter {
  const key = `${language}|${timeZone}`
  let f = formatters.get(key)
  if (!f) {
    const m = messages(language)
    const make = (opts: object) => new Intl.DateTimeFormat(m.locale, { ...opts, timeZone })
    const header = make(m.dateHeader)
    const comment = make(m.commentDate)
    const time = make(m.time)
    const monthYear = new Intl.DateTimeFormat(m.locale, { ...m.monthYear, timeZone: 'UTC' })
    f = {
      dateHeader: remembered((iso) => header.format(new Date(iso))),
      commentDate: remembered((iso) => comment.format(new Date(iso))),
      time: remembered((iso) => time.format(new Date(iso))),
      monthYear: (year, month) => {
        const s = monthYear.format(new Date(Date.UTC(year, month - 1, 15)))
        return s.charAt(0).toLocaleUpperCase(m.locale) + s.slice(1)
      },
    }
    formatters.set(key, f)
  }
  return f
}
