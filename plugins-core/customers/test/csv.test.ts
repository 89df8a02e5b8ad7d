// The CSV reader, on its own: records and their lines, whatever pieces the file arrives in.
import { describe, expect, test } from 'vitest';
import { csvField, type Delimiter, detectDelimiter, readCsvPiece } from '../src/server/csv.ts';

/** Reads `parts` one after the other, as the dry run does, carrying each unfinished tail into the next. */
function readInParts(parts: readonly string[], delimiter: Delimiter = ',') {
  const records: { line: number; fields: readonly string[] }[] = [];
  let carry = '';
  let line = 1;
  let unclosed: number | undefined;
  parts.forEach((part, i) => {
    const piece = readCsvPiece(carry + part, { startLine: line, final: i === parts.length - 1, delimiter });
    records.push(...piece.records);
    carry = piece.rest;
    line = piece.restLine;
    unclosed = piece.unclosedQuoteLine;
  });
  return { records, unclosed };
}

/** A small deterministic random source (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('readCsvPiece', () => {
  test('reads quoted fields with delimiters, quotes and line breaks, and the line each record starts on', () => {
    const text = 'name,street\r\n"Smith, Ann","1 ""Old"" Rd\nFlat 2"\n\nBob,"x"\n';
    expect(readInParts([text]).records).toEqual([
      { line: 1, fields: ['name', 'street'] },
      { line: 2, fields: ['Smith, Ann', '1 "Old" Rd\nFlat 2'] },
      { line: 5, fields: ['Bob', 'x'] },
    ]);
  });

  test('a last record without a line break is read; an unclosed quote is reported on the line it opens', () => {
    expect(readInParts(['a,b\nc,d']).records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const unclosed = readInParts(['a,b\n"c,d\ne,f\n']);
    expect(unclosed.records.map((r) => r.fields)).toEqual([['a', 'b']]);
    expect(unclosed.unclosed).toBe(2);
  });

  test('a piece cut between CR and LF, or between two quotes of an escaped quote, reads as if whole', () => {
    expect(readInParts(['a\r', '\nb\r\n'])).toEqual(readInParts(['a\r\nb\r\n']));
    expect(readInParts(['"x"', '"y"\n'])).toEqual(readInParts(['"x""y"\n']));
    expect(readInParts(['"x"', '"y"\n']).records[0]?.fields).toEqual(['x"y']);
  });

  test('any file, cut anywhere into any number of pieces, reads the same records on the same lines', () => {
    const alphabet = ['a', 'b', 'Ö', '😀', ' ', ',', ';', '"', '\n', '\r\n', '\r'];
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
      const delimiter = pick([',', ';', '\t'] as const);
      const rows = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
        Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
          Array.from({ length: Math.floor(next() * 6) }, () => pick(alphabet)).join(''),
        ),
      );
      const text = `${rows.map((row) => row.map((f) => csvField(f, delimiter)).join(delimiter)).join('\n')}\n`;
      const whole = readInParts([text], delimiter);
      const cuts = Array.from({ length: Math.floor(next() * 5) }, () => Math.floor(next() * text.length)).sort(
        (a, b) => a - b,
      );
      const parts = [0, ...cuts].map((start, i) => text.slice(start, [...cuts, text.length][i]));
      expect(readInParts(parts, delimiter), `seed ${seed}`).toEqual(whole);
      // A row of one empty field is a blank line, which the reader skips.
      const expected = rows.filter((row) => !(row.length === 1 && row[0] === ''));
      expect(
        whole.records.map((r) => r.fields),
        `seed ${seed}`,
      ).toEqual(expected.map((row) => row.map((f) => f)));
    }
  });
});

describe('detectDelimiter', () => {
  test('is the separator the header line uses most, outside quotes, once the line is whole', () => {
    expect(detectDelimiter('name;email;"a,b,c"\nx', false)).toBe(';');
    expect(detectDelimiter('name\temail\n', false)).toBe('\t');
    expect(detectDelimiter('name,email\n', false)).toBe(',');
    expect(detectDelimiter('name;em', false)).toBeUndefined();
    expect(detectDelimiter('name;em', true)).toBe(';');
  });
});
