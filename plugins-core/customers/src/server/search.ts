// What customer search matches. An account's search document (accounts.search, generated) holds
// its number, name, contacts (names, emails, phones) and addresses, cut into words at every
// ASCII character that is not a letter or digit; phones and numbers also as their digits and
// their digits reversed (prefixed r), so that the last digits of a phone find it. A query
// matches an account when each of its terms starts a word of the document (or, for a short
// number like a house number, is one).

/** ASCII characters other than letters and digits, as a JavaScript pattern (the SQL one is in the migration). */
const SEPARATORS = /[^0-9A-Za-z\u0080-\u{10FFFF}]+/gu;
/** What a phone number may look like as typed: digits and the usual punctuation. */
const PHONE_LIKE = /^\+?[0-9\s().\-/]+$/;
const MIN_PHONE_DIGITS = 7;
/** An all-digit word this long may be the end of a phone or number, so it also matches reversed. */
const MIN_SUFFIX_DIGITS = 4;
const MAX_TERMS = 8;

/** One way a term matches: a word of the document that starts with `text`, or (exact) is it. */
export type Alternative = readonly [text: string, exact: boolean];

/**
 * The terms of query `q`: each a list of alternatives, one of which a word of the account's
 * document must match. Shorter numbers (a house number) match whole words only; a longer one
 * also matches reversed. Lowercasing is left to the database, which lowercased the document.
 */
export function searchTerms(q: string): Alternative[][] {
  const digits = q.replace(/[^0-9]/g, '');
  if (PHONE_LIKE.test(q.trim()) && digits.length >= MIN_PHONE_DIGITS) {
    return [
      [
        [digits, false],
        [reversed(digits), false],
      ],
    ];
  }
  const words = [...new Set(q.replace(SEPARATORS, ' ').trim().split(/\s+/).filter(Boolean))];
  return words.slice(0, MAX_TERMS).map((word): Alternative[] => {
    if (!/^[0-9]+$/.test(word)) return [[word, false]];
    if (word.length < MIN_SUFFIX_DIGITS) return [[word, true]];
    return [
      [word, false],
      [reversed(word), false],
    ];
  });
}

function reversed(digits: string): string {
  return `r${[...digits].reverse().join('')}`;
}

/**
 * SQL: the condition that account `a` matches every term, through search_tokens and its
 * "C"-collated, covering btree: for each term the accounts with a word in its prefix ranges (or
 * equal to it), intersected, so that the work follows how many accounts each term matches,
 * whatever PostgreSQL guesses of it. The words go in as parameters (`param` adds one and answers
 * its placeholder): under row-level security PostgreSQL uses an index only for leakproof
 * comparisons with values that hold no column of another table, and never for @@.
 */
export function matchingAccountsSql(
  terms: readonly (readonly Alternative[])[],
  param: (value: unknown) => string,
): string {
  const sets = terms.map((alternatives) => {
    const words = alternatives.map(([text, exact]) => {
      const word = `lower(${param(text)})`;
      // The words starting with w sort from w up to w followed by the last code point.
      return exact ? `token = ${word}` : `(token >= ${word} and token < ${word} || chr(1114111))`;
    });
    return `select account_id from search_tokens where ${words.join(' or ')}`;
  });
  return `a.id in (${sets.join(' intersect ')})`;
}

const digitsOf = (phone: string) => `regexp_replace(${phone}, '[^0-9]+', '', 'g')`;

/** SQL: the search words of a contact (or an imported row): name, email, phone as written, its digits and reversed digits. */
export function contactWordsSql(name: string, email: string, phone: string): string {
  return `coalesce(${name}, '') || ' ' || coalesce(${email}, '') || ' ' || coalesce(${phone} || ' ' || ${digitsOf(phone)} || ' r' || reverse(${digitsOf(phone)}), '')`;
}

/** SQL: the search words of an address. */
export function addressWordsSql(
  street: string,
  city: string,
  region: string,
  postalCode: string,
  country: string,
): string {
  return [street, city, region, postalCode, country].map((column) => `coalesce(${column}, '')`).join(` || ' ' || `);
}

/**
 * The statements that bring account `$1`'s search document and tokens up to date after its
 * contacts or addresses changed; `$2` is the time of the change. Append them to the
 * transaction that made the change.
 */
export function reindexAccount(accountId: string, now: string) {
  return [
    {
      sql: `update accounts a set updated_at = $2, search_terms = coalesce((
              select string_agg(words, ' ' order by at, id) from (
                select ${contactWordsSql('c.name', 'c.email', 'c.phone')} as words, c.created_at as at, c.id
                  from contacts c where c.account_id = a.id
                union all
                select ${addressWordsSql('d.street', 'd.city', 'd.region', 'd.postal_code', 'd.country')}, d.created_at, d.id
                  from addresses d where d.account_id = a.id) parts), '')
             where a.id = $1`,
      params: [accountId, now],
    },
    ...retokenizeAccount(accountId),
  ];
}

/** The statements that rebuild account `$1`'s search tokens from its search document. */
export function retokenizeAccount(accountId: string) {
  return [
    { sql: 'delete from search_tokens where account_id = $1', params: [accountId] },
    {
      sql: `insert into search_tokens (tenant_id, customer_id, account_id, token)
            select tenant_id, customer_id, id, unnest(tsvector_to_array(search)) from accounts where id = $1`,
      params: [accountId],
    },
  ];
}
