// A line diff of two texts, for comparing revisions and the two sides of a conflict: the longest common
// subsequence of lines between the common head and tail. Quadratic in the lines that differ, so beyond
// MAX_CELLS the middle is shown as removed then added (still correct, less precise).
export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string }

const MAX_CELLS = 4_000_000

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.replace(/\r\n/g, '\n').split('\n')
  const b = after.replace(/\r\n/g, '\n').split('\n')
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: 'same', text }))
  const x = a.slice(head, a.length - tail)
  const y = b.slice(head, b.length - tail)
  if (x.length * y.length > MAX_CELLS) {
    for (const text of x) out.push({ kind: 'removed', text })
    for (const text of y) out.push({ kind: 'added', text })
  } else {
    // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..].
    const width = y.length + 1
    const lcs = new Uint32Array((x.length + 1) * width)
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i * width + j] =
          x[i] === y[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!)
      }
    }
    let i = 0
    let j = 0
    while (i < x.length && j < y.length) {
      if (x[i] === y[j]) {
        out.push({ kind: 'same', text: x[i]! })
        i++
        j++
      } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
        out.push({ kind: 'removed', text: x[i++]! })
      } else {
        out.push({ kind: 'added', text: y[j++]! })
      }
    }
    while (i < x.length) out.push({ kind: 'removed', text: x[i++]! })
    while (j < y.length) out.push({ kind: 'added', text: y[j++]! })
  }
  for (const text of a.slice(a.length - tail)) out.push({ kind: 'same', text })
  return out
}
