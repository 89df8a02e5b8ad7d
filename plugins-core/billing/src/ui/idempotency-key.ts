// A fresh idempotency key for a payment form: random, so a form sent twice (a double click, a
// retry after a lost answer) records one payment.

/** 32 random hex digits with a prefix saying where the key came from. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ui-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
