// The cursors of the pages a DataTable has walked through: Next pushes, Previous pops.

/** The cursor of each page seen, the first page's being null; the last is the page shown. */
export type CursorStack = readonly (string | null)[];

export const FIRST_PAGE: CursorStack = [null];

export function currentCursor(stack: CursorStack): string | null {
  return stack.at(-1) ?? null;
}

export function nextPage(stack: CursorStack, nextCursor: string): CursorStack {
  return [...stack, nextCursor];
}

export function previousPage(stack: CursorStack): CursorStack {
  return stack.length > 1 ? stack.slice(0, -1) : stack;
}

/** 1 for the first page. */
export function pageNumber(stack: CursorStack): number {
  return stack.length;
}
