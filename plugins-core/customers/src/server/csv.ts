// An RFC 4180 CSV reader that works on a file arriving in pieces: it answers the complete
// records of a piece, each with the line of the file it starts on, and the unfinished tail to
// put in front of the next piece. Pure ECMAScript, so it runs in the sandbox.

/** One record and the line of the file it starts on (1 is the first line). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** What a piece of CSV holds. */
export interface CsvPiece {
  /** The complete records, blank lines left out. */
  readonly records: CsvRecord[];
  /** The start of a record the piece cut off: put it in front of the next piece. Empty when final. */
  readonly rest: string;
  /** The line `rest` starts on. */
  readonly restLine: number;
  /** The line of a quoted field the file (final piece) never closes. */
  readonly unclosedQuoteLine?: number;
}

/** Field separators the reader recognises, most likely first. */
export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/**
 * Reads `text`, whose first character is on line `startLine`. With `final`, the text ends the
 * file, so a last record without a line break is complete; otherwise it is left in `rest`.
 */
export function readCsvPiece(
  text: string,
  options: { readonly startLine: number; readonly final: boolean; readonly delimiter: Delimiter },
): CsvPiece {
  const separator = options.delimiter.charCodeAt(0);
  const records: CsvRecord[] = [];
  let line = options.startLine;
  let recordStart = 0;
  let recordLine = line;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the field started with a quote
  let inQuotes = false;
  let i = 0;

  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && field === '' && !quoted;
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quoted = false;
  };

  while (i < text.length) {
    const c = text.charCodeAt(i);
    // A piece that ends on a CR (of a CRLF?) or a quote (of a ""?) is read again with the next.
    if (!options.final && i === text.length - 1 && (c === CR || c === QUOTE)) break;
    if (inQuotes) {
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE) {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      // Line breaks inside a quoted field are part of it, and still count as lines.
      if (c === CR || c === LF) {
        const crlf = c === CR && text.charCodeAt(i + 1) === LF;
        field += crlf ? '\r\n' : text[i];
        i += crlf ? 2 : 1;
        line++;
        continue;
      }
      field += text[i];
      i++;
      continue;
    }
    if (c === separator) {
      fields.push(field);
      field = '';
      quoted = false;
      i++;
      continue;
    }
    if (c === CR || c === LF) {
      endRecord();
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      recordStart = i;
      recordLine = line;
      continue;
    }
    if (c === QUOTE && field === '' && !quoted) {
      quoted = true;
      inQuotes = true;
      i++;
      continue;
    }
    // A quote inside an unquoted field, or text after a closing quote: kept as written.
    field += text[i];
    i++;
  }

  if (!options.final) return { records, rest: text.slice(recordStart), restLine: recordLine };
  if (inQuotes) return { records, rest: '', restLine: line, unclosedQuoteLine: recordLine };
  if (recordStart < text.length) endRecord();
  return { records, rest: '', restLine: line };
}

/**
 * The delimiter the header line (the first line of `text`) uses: the one of `DELIMITERS` it
 * holds most often outside quotes. Undefined while the line may go on in the next piece.
 */
export function detectDelimiter(text: string, final: boolean): Delimiter | undefined {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  let lineEnded = false;
  for (let i = 0; i < text.length && !lineEnded; i++) {
    const ch = text[i] as string;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) lineEnded = true;
    else if (!inQuotes && counts.has(ch as Delimiter))
      counts.set(ch as Delimiter, (counts.get(ch as Delimiter) ?? 0) + 1);
  }
  if (!lineEnded && !final) return undefined;
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** One field as CSV writes it: quoted when it holds the delimiter, a quote or a line break. */
export function csvField(value: string, delimiter: Delimiter = ','): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
