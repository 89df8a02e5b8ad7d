// The pure rules, on their own: what a search looks for, the life of an account, cursors,
// custom values read from CSV text, and the rows of a file.
import { describe, expect, test } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/server/cursor.ts';
import type { CustomField } from '../src/server/custom-fields.ts';
import { customValueFromText } from '../src/server/custom-fields.ts';
import { readHeader, readRow } from '../src/server/import-rows.ts';
import { searchTerms } from '../src/server/search.ts';
import { nextStatuses, STATUSES, transitionRefusal } from '../src/server/status.ts';

describe('searchTerms', () => {
  test('words are cut at ASCII punctuation and match the start of a word', () => {
    expect(searchTerms('Ann-Marie  O’Brien')).toEqual([[['Ann', false]], [['Marie', false]], [['O’Brien', false]]]);
    expect(searchTerms('ann@example.com')).toEqual([[['ann', false]], [['example', false]], [['com', false]]]);
    expect(searchTerms('+--+')).toEqual([]);
  });

  test('a short number matches whole words only (a house number); a longer one its start, or reversed its end', () => {
    expect(searchTerms('45 Meadow')).toEqual([[['45', true]], [['Meadow', false]]]);
    expect(searchTerms('smith 1234')).toEqual([
      [['smith', false]],
      [
        ['1234', false],
        ['r4321', false],
      ],
    ]);
  });

  test('something that looks like a phone number is one term: its digits, or its digits reversed', () => {
    expect(searchTerms('+1 (415) 555-0142')).toEqual([
      [
        ['14155550142', false],
        ['r24105555141', false],
      ],
    ]);
    expect(searchTerms('555-0142')).toEqual([
      [
        ['5550142', false],
        ['r2410555', false],
      ],
    ]);
    expect(searchTerms('55-01')).toEqual([[['55', true]], [['01', true]]]);
  });
});

describe('the life of an account', () => {
  test('every status can be left for another, never for itself, and terminated only back to active', () => {
    for (const from of STATUSES) {
      expect(transitionRefusal(from, from)).toBe(`the account is already ${from}`);
      for (const to of STATUSES.filter((s) => s !== from)) {
        expect(transitionRefusal(from, to) === undefined).toBe(nextStatuses(from).includes(to));
      }
    }
    expect(nextStatuses('terminated')).toEqual(['active']);
    expect(STATUSES.every((s) => s === 'terminated' || nextStatuses(s).includes('terminated'))).toBe(true);
  });
});

describe('cursors', () => {
  test('carry any value and id back unchanged, and refuse another sort or foreign text', () => {
    for (const value of ['Zoë Ångström 😀', null, '2026-03-02T08:00:00.000Z', '']) {
      const cursor = encodeCursor({ sort: '-name', value, id: 'id-1' });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, '-name')).toEqual({ sort: '-name', value, id: 'id-1' });
    }
    expect(() => decodeCursor(encodeCursor({ sort: 'name', value: 'a', id: 'b' }), 'number')).toThrow(
      'was made for sort=name, not sort=number',
    );
    expect(() => decodeCursor('!!', 'name')).toThrow('is not a cursor this API gave out');
    expect(() => decodeCursor('abcd', 'name')).toThrow('is not a cursor this API gave out');
  });
});

describe('custom values from CSV text', () => {
  const field = (type: CustomField['type'], options: string[] = []): CustomField => ({
    key: 'k',
    label: 'K',
    type,
    options,
    required: false,
  });
  test('are typed by their field, or say why not', () => {
    expect(customValueFromText(field('number'), '42.5')).toEqual({ value: 42.5 });
    expect(customValueFromText(field('number'), '4 2')).toEqual({ problem: '"4 2" is not a number' });
    expect(customValueFromText(field('boolean'), 'Yes')).toEqual({ value: true });
    expect(customValueFromText(field('date'), '2026-02-29')).toEqual({ problem: 'must be a date like 2026-03-01' });
    expect(customValueFromText(field('select', ['a', 'b']), 'b')).toEqual({ value: 'b' });
    expect(customValueFromText(field('text'), '')).toEqual({});
  });
});

describe('rows of a file', () => {
  const context = { customFields: [], defaultCountry: null };
  const header = readHeader(
    { line: 1, fields: ['Customer Name', 'ZIP', 'Street', 'City', 'Country', 'Type', 'Status'] },
    context,
  );

  test('headers other systems write are understood, and problems name the column as the header wrote it', () => {
    expect(header.problems).toEqual([]);
    expect(header.header.columns).toEqual(['name', 'postal_code', 'street', 'city', 'country', 'kind', 'status']);
    const read = readRow(
      header.header,
      { line: 7, fields: ['Ann', '12345', '', 'Paris', 'fr', 'Company', 'Disabled'] },
      context,
    );
    expect(read.problems).toEqual([{ line: 7, column: 'Street', reason: 'is empty, but the row has an address' }]);
    const good = readRow(
      header.header,
      { line: 8, fields: ['Ann', '75001', '1 Rue', 'Paris', 'fr', 'Company', 'Disabled'] },
      context,
    );
    expect(good.row).toMatchObject({ postal_code: '75001', country: 'FR', kind: 'business', status: 'suspended' });
    const kind = readRow(header.header, { line: 9, fields: ['Ann', '', '', '', '', 'alien', ''] }, context);
    expect(kind.problems).toEqual([{ line: 9, column: 'Type', reason: '"alien" is not one of residential, business' }]);
  });
});
