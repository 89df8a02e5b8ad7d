// DataTable's walk through cursor pages: Next pushes the cursor, Previous goes back.
import { describe, expect, it } from 'vitest';
import { currentCursor, FIRST_PAGE, nextPage, pageNumber, previousPage } from '../src/components/cursor-pages.ts';
import { statusLabel, statusTone } from '../src/components/status-tone.ts';

describe('cursor pages', () => {
  it('walks forward and back to the first page', () => {
    const third = nextPage(nextPage(FIRST_PAGE, 'c2'), 'c3');
    expect([currentCursor(third), pageNumber(third)]).toEqual(['c3', 3]);
    const second = previousPage(third);
    expect([currentCursor(second), pageNumber(second)]).toEqual(['c2', 2]);
    expect(currentCursor(previousPage(previousPage(second)))).toBeNull();
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
  });
});

describe('status badges', () => {
  it('colours statuses by meaning and writes them as words', () => {
    expect(statusTone('Active')).toBe('positive');
    expect(statusTone('overdue')).toBe('negative');
    expect(statusTone('draft')).toBe('warning');
    expect(statusTone('whatever')).toBe('neutral');
    expect(statusLabel('past_due')).toBe('Past due');
  });
});
