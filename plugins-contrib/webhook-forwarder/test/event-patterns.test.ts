// The tenant's event patterns read as the kernel reads subscriptions.
import { expect, test } from 'vitest';
import { matchesPattern } from '../src/server/event-patterns.ts';

test.each([
  ['invoice.issued', 'invoice.issued', true],
  ['invoice.issued', 'invoice.paid', false],
  ['invoice.*', 'invoice.paid', true],
  ['invoice.*', 'invoice', false],
  ['invoice.*', 'invoice.paid.late', false],
  ['invoice.**', 'invoice.paid.late', true],
  ['invoice.**', 'invoice', false],
  ['*.created', 'customer.created', true],
  ['*.created', 'customer.status-changed', false],
  ['**', 'credit-note.issued', true],
  ['payment.**', 'payments.received', false],
])('%s against %s: %s', (pattern, name, matches) => {
  expect(matchesPattern(pattern, name)).toBe(matches);
});
