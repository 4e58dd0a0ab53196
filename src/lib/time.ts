// The one clock the app reads for rules that depend on time passing (ban expiry…): tests move it with
// setClock instead of waiting. Everything else may keep calling Date directly.
// Read through Date.now each time, so that fake timers (vi.useFakeTimers) move it too.
const realClock = () => Date.now()
let clock: () => number = realClock

/** The current instant. */
export function now(): Date {
  return new Date(clock())
}

/** Replace the clock (tests only); `null` puts the real one back. */
export function setClock(next: (() => number) | null): void {
  clock = next ?? realClock
}

/** The current instant as stored in the database. */
export function nowIso(): string {
  return now().toISOString()
}

// Building an Intl.DateTimeFormat costs far more than using one (every post link on a page needs one): keep
// one per time zone.
const dayFormats = new Map<string, Intl.DateTimeFormat>()
const offsetFormats = new Map<string, Intl.DateTimeFormat>()

type DayParts = Readonly<{ year: number; month: number; day: number }>
const knownParts = new Map<string, DayParts>()

/** Calendar parts of an instant in a time zone. */
export function zonedParts(iso: string | Date, timeZone: string): DayParts {
  // Every post link needs its day: the same instants come back on every page, so results are kept (bounded).
  if (typeof iso !== 'string') return computeZonedParts(iso, timeZone)
  const key = `${timeZone} ${iso}`
  let parts = knownParts.get(key)
  if (!parts) {
    if (knownParts.size >= 20_000) knownParts.clear()
    knownParts.set(key, (parts = Object.freeze(computeZonedParts(iso, timeZone))))
  }
  return parts
}

function computeZonedParts(iso: string | Date, timeZone: string): { year: number; month: number; day: number } {
  let format = dayFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(timeZone, format)
  }
  const parts = format.formatToParts(typeof iso === 'string' ? new Date(iso) : iso)
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value)
  return { year: get('year'), month: get('month'), day: get('day') }
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>()

/** An instant on a zone's wall clock, as `2026-11-26T14:30:05` (for form inputs and WordPress's post_date). */
export function wallClock(iso: string | Date, timeZone: string): string {
  let format = wallClockFormats.get(timeZone)
  if (!format) {
    const digits = '2-digit'
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: digits,
      day: digits,
      hour: digits,
      minute: digits,
      second: digits,
    })
    wallClockFormats.set(timeZone, format)
  }
  const parts = format.formatToParts(typeof iso === 'string' ? new Date(iso) : iso)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`
}

/** The UTC instant at which a wall-clock time in a zone happens (for month boundaries in the blog's zone). */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute)
  // Two passes settle daylight-saving transitions.
  let utc = guess
  for (let i = 0; i < 2; i++) utc = guess - offsetMs(new Date(utc), timeZone)
  return new Date(utc)
}

function offsetMs(date: Date, timeZone: string): number {
  let format = offsetFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    offsetFormats.set(timeZone, format)
  }
  const parts = format.formatToParts(date)
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - Math.floor(date.getTime() / 1000) * 1000
}

/** [start, end) of a calendar year in the blog's zone, as stored ISO strings. */
export function yearRange(year: number, timeZone: string): [string, string] {
  return [zonedTimeToUtc(year, 1, 1, 0, 0, timeZone).toISOString(), zonedTimeToUtc(year + 1, 1, 1, 0, 0, timeZone).toISOString()]
}

/** [start, end) of a calendar month in the blog's zone, as stored ISO strings. */
export function monthRange(year: number, month: number, timeZone: string): [string, string] {
  const start = zonedTimeToUtc(year, month, 1, 0, 0, timeZone)
  const end = month === 12 ? zonedTimeToUtc(year + 1, 1, 1, 0, 0, timeZone) : zonedTimeToUtc(year, month + 1, 1, 0, 0, timeZone)
  return [start.toISOString(), end.toISOString()]
}

/** The later of two ISO times (they sort as text); the second may be missing. */
export function later(a: string, b: string | null | undefined): string {
  return b && b > a ? b : a
}
