// Results derived from an object that is shared by every request of a freshness generation (the sidebar, a
// post page's comments, a post's view model): kept WITH that object, so that they go when a new generation
// replaces it, under a key naming everything else the computation reads. The key contract lives here: the
// computation must read nothing but the owner and what its key names.
import { flatText } from '../lib/flat-text.ts'
import type { MemoArg } from './freshness.ts'

export type KeptKey = readonly MemoArg[]

/** A store of results kept with their owners: `get(owner, key, compute)`. */
export function keptWith<Owner extends object, Value>(): (owner: Owner, key: KeptKey, compute: () => Value) => Value {
  const kept = new WeakMap<Owner, Map<string, Value>>()
  return (owner, key, compute) => {
    let byKey = kept.get(owner)
    if (!byKey) kept.set(owner, (byKey = new Map()))
    const name = JSON.stringify(key)
    let value = byKey.get(name)
    if (value === undefined) {
      value = compute()
      // A rendered fragment is kept for a whole generation: one piece, not the tree of pieces it was built as.
      if (typeof value === 'string') flatText(value)
      byKey.set(name, value)
    }
    return value
  }
}
