// Elastic tabstops as Go's text/tabwriter (and liggitt/tabwriter's RememberWidths) lay them out; kubectl's alignment is this.

/** Options of a tab writer: minimal cell width and padding, both including padding, as Go's tabwriter.NewWriter. */
export interface TabWriterOptions {
  minWidth: number;
  padding: number;
  /** Keep column widths across flushes (kubectl get, so `-w` rows stay aligned with the header). */
  rememberWidths?: boolean;
}

/** kubectl get's writer: minwidth 6, padding 3, widths remembered across flushes. */
export const GET_TABWRITER: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };
/** kubectl describe's writer: minwidth 0, padding 2. */
export const DESCRIBE_TABWRITER: TabWriterOptions = { minWidth: 0, padding: 2 };

// Go counts cell widths in runes (code points), not UTF-16 units.
const width = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Buffers tab-separated text and lays it out on flush; a column's width is set per block of consecutive lines that have it. */
export class TabWriter {
  private buf = '';
  private readonly remembered: number[] = [];

  constructor(private readonly opts: TabWriterOptions) {}

  /** Appends text: '\t' ends a cell, '\n' ends a line. */
  write(text: string): void {
    this.buf += text;
  }

  /** Returns the aligned text written since the last flush and empties the buffer. */
  flush(): string {
    const lines = this.buf.split('\n').map((l) => l.split('\t'));
    this.buf = '';
    const out: string[] = [];
    this.format(lines, [], 0, lines.length, out);
    return out.join('');
  }

  private format(lines: string[][], widths: number[], line0: number, line1: number, out: string[]): void {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      // A block of lines sharing this column begins here: print the lines before it, then size the column.
      this.writeLines(lines, widths, line0, i, out);
      line0 = i;
      let w = this.opts.minWidth;
      for (; i < line1 && column < lines[i].length - 1; i++) w = Math.max(w, width(lines[i][column]) + this.opts.padding);
      if (this.opts.rememberWidths) {
        if (column < this.remembered.length) w = Math.max(w, this.remembered[column]);
        this.remembered[column] = w;
      }
      widths.push(w);
      this.format(lines, widths, line0, i, out);
      widths.pop();
      line0 = i;
    }
    this.writeLines(lines, widths, line0, line1, out);
  }

  private writeLines(lines: string[][], widths: number[], line0: number, line1: number, out: string[]): void {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      for (let j = 0; j < cells.length; j++) {
        out.push(cells[j]);
        if (j < widths.length) out.push(' '.repeat(Math.max(0, widths[j] - width(cells[j]))));
      }
      // The text after the last newline is a partial line: no newline of its own.
      if (i + 1 < lines.length) out.push('\n');
    }
  }
}

/** Returns text laid out in one flush of a fresh writer. */
export function tabify(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}
