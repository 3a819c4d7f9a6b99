/**
 * The session's input history for history_request (IPython's access types: tail, range,
 * search), kept in memory for the life of the kernel. Entries are (session, line, input) or, with
 * output, (session, line, [input, output]); session 1 is this kernel's session, and a session of
 * 0 or less counts back from it (IPython's convention), so 0 is also this session.
 */

/** history_request's content (the fields used). */
export interface HistoryRequest {
  output?: boolean;
  raw?: boolean;
  hist_access_type?: "tail" | "range" | "search" | string;
  session?: number;
  start?: number;
  stop?: number;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

type Entry = [number, number, string | [string, string | null]];

/** fnmatch-style glob (`*`, `?`) as a whole-string regular expression. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

export class History {
  /** This kernel's session number. */
  readonly session = 1;
  private readonly inputs = new Map<number, { input: string; output: string | null }>();

  /** Records cell `line`'s input (and its result as text/plain, if any). */
  add(line: number, input: string, output: string | null = null): void {
    this.inputs.set(line, { input, output });
  }

  private entry(line: number, withOutput: boolean): Entry {
    const e = this.inputs.get(line)!;
    return [this.session, line, withOutput ? [e.input, e.output] : e.input];
  }

  /** The entries a request asks for, oldest first. */
  query(req: HistoryRequest): Entry[] {
    const lines = [...this.inputs.keys()].sort((a, b) => a - b);
    const out = !!req.output;
    switch (req.hist_access_type) {
      case "tail": {
        const n = req.n ?? 10;
        return lines.slice(Math.max(0, lines.length - n)).map((l) => this.entry(l, out));
      }
      case "range": {
        const session = req.session ?? 0;
        if (session !== this.session && session > 0) return []; // no earlier sessions are kept
        const start = req.start ?? 0, stop = req.stop ?? Infinity;
        return lines.filter((l) => l >= start && (stop <= 0 ? true : l < stop)).map((l) => this.entry(l, out));
      }
      case "search": {
        const re = globRegExp(req.pattern ?? "*");
        let hits = lines.filter((l) => re.test(this.inputs.get(l)!.input));
        if (req.unique) {
          const seen = new Set<string>();
          hits = hits.reverse().filter((l) => {
            const k = this.inputs.get(l)!.input;
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
          }).reverse();
        }
        if (req.n) hits = hits.slice(Math.max(0, hits.length - req.n));
        return hits.map((l) => this.entry(l, out));
      }
      default:
        return [];
    }
  }
}
