// A string built piece by piece (a template's output, `a + b` in a loop) is, in V8, a tree of its pieces until
// something needs it whole: 32 bytes a node, every piece kept. A rendered list of twenty comments is a tree of
// ~3,000 nodes, several times the size of its text (bench/RESULTS.md). Text kept beyond its request (a fragment
// kept for a generation, a comment's HTML) is made one piece first: a search through it makes V8 copy the tree
// into one string, in place, and its nodes go at the next collection. (Reading one character does not: optimized
// code walks the tree for it.) test/lib/flat-text.test.ts checks it, optimized code included.

/** Where the search's answer goes, so that no compiler can find it useless and drop it. */
export const flattened = { misses: 0 }

/** The same text, made one piece in memory (see above); cheap for a text that already is. */
export function flatText(text: string): string {
  if (text.indexOf('\u0000') < 0) flattened.misses++
  return text
}
