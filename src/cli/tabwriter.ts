/**
 * Go `text/tabwriter` with the settings urfave/cli uses for help
 * (`minwidth 1, tabwidth 8, padding 2, padchar ' ', flags 0`): tab-terminated
 * cells of consecutive lines are aligned in columns; the text after the last
 * tab of a line is not part of any column.
 */

interface Cell {
  text: string
  width: number
}

function runeWidth (s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

export function tabwrite (text: string, opts: { minwidth?: number, padding?: number } = {}): string {
  const minwidth = opts.minwidth ?? 1
  const padding = opts.padding ?? 2
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: runeWidth(t) })))
  const out: string[] = []
  const widths: number[] = []

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]
      let s = ''
      for (let j = 0; j < line.length; j++) {
        const c = line[j]
        if (j < line.length - 1 && j < widths.length) {
          // aligned cell: pad to the column width
          s += c.text + ' '.repeat(Math.max(0, widths[j] - c.width))
        } else {
          s += c.text
        }
      }
      out.push(s)
    }
  }

  const format = (line0: number, line1: number): void => {
    const column = widths.length
    let start = line0
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue
      // a cell exists in this column: print lines before the block
      writeLines(start, t)
      start = t
      let width = minwidth
      for (; t < line1; t++) {
        const line = lines[t]
        if (column >= line.length - 1) break
        const w = line[column].width + padding
        if (w > width) width = w
      }
      widths.push(width)
      format(start, t)
      widths.pop()
      start = t
      t-- // the outer loop increments
    }
    writeLines(start, line1)
  }

  format(0, lines.length)
  return out.join('\n')
}
