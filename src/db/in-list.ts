// Lookups by a list of values that may be long (every subscriber of a blog, every line of an import): asked
// IN_LIST values at a time, well within each engine's bound on a statement's parameters (SQLite 32,766,
// PostgreSQL 65,535).
export const IN_LIST = 500

/** Which of `values` exist, as `find` answers for each slice of IN_LIST of them (the ones it finds). */
export async function existing<T>(values: readonly T[], find: (some: T[]) => Promise<Iterable<T>>): Promise<Set<T>> {
  const found = new Set<T>()
  for (let i = 0; i < values.length; i += IN_LIST) for (const value of await find(values.slice(i, i + IN_LIST))) found.add(value)
  return found
}
