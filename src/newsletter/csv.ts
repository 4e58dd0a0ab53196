// CSV as spreadsheets and other platforms write it (RFC 4180): quoted fields with doubled quotes and line breaks,
// CRLF or LF, a UTF-8 byte order mark or none, comma or semicolon (a French spreadsheet's) between fields.
// Written back out with a BOM (so that spreadsheet apps read UTF-8) and with every cell that a spreadsheet would
// take for a formula (= + - @, tab, carriage return first) prefixed with ' (CSV injection).

/** The rows of a CSV text, each a list of fields, with the line each row starts on (1-based). */
export function parseCsv(input: string): Array<{ line: number; cells: string[] }> {
  const text = input.replace(/^\uFEFF/, '')
  const firstLine = text.slice(0, text.search(/\r?\n|$/))
  const separator = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ','
  const rows: Array<{ line: number; cells: string[] }> = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let rowLine = 1
  let started = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        cell += c
      }
      continue
    }
    if (c === '"' && cell === '') {
      quoted = true
      started = true
    } else if (c === separator) {
      cells.push(cell)
      cell = ''
      started = true
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      cells.push(cell)
      if (started || cells.some((v) => v !== '')) rows.push({ line: rowLine, cells })
      cells = []
      cell = ''
      started = false
      line++
      rowLine = line
    } else {
      cell += c
      started = true
    }
  }
  cells.push(cell)
  if (started || cells.some((v) => v !== '')) rows.push({ line: rowLine, cells })
  return rows
}

/** One cell, quoted when it must be, defused when a spreadsheet would run it. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** A whole file: BOM, CRLF line ends (RFC 4180). */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return '\uFEFF' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
