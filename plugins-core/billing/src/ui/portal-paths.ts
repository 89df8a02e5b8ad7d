// Where a page is, from the route pattern its contribution is mounted at: staff find invoices
// under /billing/invoices, customers and resellers at /invoices.
/** The page of the route pattern a contribution is mounted at, without its `:id` (`/invoices/:id` → `/invoices`). */
export function parentPath(pattern: string): string {
  return pattern.replace(/\/:[A-Za-z]+$/, '');
}
