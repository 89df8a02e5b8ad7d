// What a customer CSV file means: its header names the columns, each row becomes an account
// (with a primary contact and a service address when it has them), and every fault is a
// problem naming its line, its column and the reason, worded for the person fixing the file.
import type { CsvRecord } from './csv.ts';
import { type CustomField, type CustomValue, customValueFromText } from './custom-fields.ts';
import type { AccountStatus } from './status.ts';
import type { AccountKind } from './views.ts';

/** The columns a file may have besides custom.<key>; only name is required. */
export const IMPORT_COLUMNS = [
  'account_number',
  'name',
  'kind',
  'email',
  'phone',
  'street',
  'city',
  'postal_code',
  'country',
  'lat',
  'lon',
  'status',
  'tags',
  'plan',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** One fault of the file. Line 1 is the header; column is as the header names it, or (row). */
export interface ImportProblem {
  readonly line: number;
  readonly column: string;
  readonly reason: string;
}

/** A row that will become an account, as import_rows stores it. */
export interface StagedRow {
  readonly line: number;
  readonly account_number: string | null;
  readonly name: string;
  readonly kind: AccountKind;
  readonly email: string | null;
  readonly phone: string | null;
  readonly street: string | null;
  readonly city: string | null;
  readonly postal_code: string | null;
  readonly country: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly status: AccountStatus;
  readonly tags: string[];
  readonly plan: string | null;
  readonly custom: Record<string, CustomValue>;
}

/** What reading rows needs to know of the tenant. */
export interface RowContext {
  readonly customFields: readonly CustomField[];
  /** Country of an address whose row names none. */
  readonly defaultCountry: string | null;
}

/** The columns of a file: what each means (one of IMPORT_COLUMNS or custom.<key>) and how its header wrote it. */
export interface ImportHeader {
  readonly columns: readonly string[];
  readonly labels: readonly string[];
}

/** The column a problem about the whole row names. */
export const WHOLE_ROW = '(row)';

/** Names other systems' exports give the columns (after lowercasing, spaces and dashes as _). */
const ALIASES: Readonly<Record<string, ImportColumn>> = {
  account: 'account_number',
  account_no: 'account_number',
  account_id: 'account_number',
  customer_number: 'account_number',
  customer_no: 'account_number',
  customer_id: 'account_number',
  customer_name: 'name',
  full_name: 'name',
  type: 'kind',
  customer_type: 'kind',
  account_type: 'kind',
  e_mail: 'email',
  email_address: 'email',
  mail: 'email',
  telephone: 'phone',
  phone_number: 'phone',
  mobile: 'phone',
  tel: 'phone',
  address: 'street',
  street_address: 'street',
  address_1: 'street',
  address1: 'street',
  address_line_1: 'street',
  town: 'city',
  zip: 'postal_code',
  zip_code: 'postal_code',
  zipcode: 'postal_code',
  postcode: 'postal_code',
  post_code: 'postal_code',
  postal: 'postal_code',
  country_code: 'country',
  latitude: 'lat',
  longitude: 'lon',
  lng: 'lon',
  long: 'lon',
  customer_status: 'status',
  account_status: 'status',
  tag: 'tags',
  labels: 'tags',
  tariff: 'plan',
  service_plan: 'plan',
  package: 'plan',
  product: 'plan',
};

/** Words other systems use for kinds and statuses. */
const KIND_WORDS: Readonly<Record<string, AccountKind>> = {
  residential: 'residential',
  private: 'residential',
  person: 'residential',
  individual: 'residential',
  home: 'residential',
  business: 'business',
  company: 'business',
  commercial: 'business',
  corporate: 'business',
};
const STATUS_WORDS: Readonly<Record<string, AccountStatus>> = {
  lead: 'lead',
  new: 'lead',
  prospect: 'lead',
  active: 'active',
  suspended: 'suspended',
  blocked: 'suspended',
  disabled: 'suspended',
  terminated: 'terminated',
  inactive: 'terminated',
  cancelled: 'terminated',
  canceled: 'terminated',
  closed: 'terminated',
};

const CUSTOM_PREFIX = 'custom.';
const ACCOUNT_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ().\-/]{4,30}$/;
const DECIMAL = /^-?\d{1,3}(\.\d+)?$/;
const MAX_TAGS = 20;
/** Columns that make a row have an address (a country alone does not). */
const ADDRESS_COLUMNS = ['street', 'city', 'postal_code', 'lat', 'lon'] as const;

/** What a header cell means: trimmed, lowercase, spaces and dashes as underscores, aliases resolved. */
function columnOf(cell: string): string {
  const name = cell
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return ALIASES[name] ?? name;
}

/** The columns the header (line 1) names, in order, and what is wrong with it. */
export function readHeader(
  record: CsvRecord,
  context: RowContext,
): { header: ImportHeader; problems: ImportProblem[] } {
  const columns = record.fields.map(columnOf);
  const labels = record.fields.map((cell) => cell.trim());
  const problems: ImportProblem[] = [];
  const problem = (column: string, reason: string) => problems.push({ line: record.line, column, reason });
  const custom = new Set(context.customFields.map((f) => f.key));
  columns.forEach((column, i) => {
    const label = labels[i] as string;
    const first = columns.indexOf(column);
    if (column === '') problem(`(column ${i + 1})`, 'the column has no name');
    else if (first < i) problem(label, `the column means the same as column ${first + 1} (${labels[first]})`);
    else if (column.startsWith(CUSTOM_PREFIX)) {
      const key = column.slice(CUSTOM_PREFIX.length);
      if (!custom.has(key)) problem(label, `there is no custom field ${key} (see GET /custom-fields)`);
    } else if (!(IMPORT_COLUMNS as readonly string[]).includes(column)) {
      problem(label, `unknown column; the columns are ${IMPORT_COLUMNS.join(', ')} and custom.<key>`);
    }
  });
  if (!columns.includes('name')) problem('name', 'the header has no name column, which every row needs');
  for (const field of context.customFields) {
    if (field.required && !columns.includes(`${CUSTOM_PREFIX}${field.key}`)) {
      problem(`${CUSTOM_PREFIX}${field.key}`, `the header has no column for the required custom field ${field.key}`);
    }
  }
  return { header: { columns, labels }, problems };
}

/** How the header wrote `column`: what problems name. */
export function labelOf(header: ImportHeader, column: string): string {
  const i = header.columns.indexOf(column);
  return i < 0 ? column : (header.labels[i] ?? column);
}

/** A data row as the account it will become, or the problems that keep it from becoming one. */
export function readRow(
  header: ImportHeader,
  record: CsvRecord,
  context: RowContext,
): { row?: StagedRow; problems: ImportProblem[] } {
  const { columns } = header;
  const problems: ImportProblem[] = [];
  const problem = (column: string, reason: string) =>
    problems.push({ line: record.line, column: labelOf(header, column), reason });
  if (record.fields.length !== columns.length) {
    const missing = columns[record.fields.length];
    problem(
      missing ?? WHOLE_ROW,
      `the row has ${record.fields.length} field(s) where the header has ${columns.length} column(s)`,
    );
    return { problems };
  }
  const cells = new Map<string, string>();
  columns.forEach((column, i) => {
    if (!cells.has(column)) cells.set(column, (record.fields[i] ?? '').trim());
  });
  const text = (column: ImportColumn) => cells.get(column) ?? '';
  const optional = (column: ImportColumn, max: number, pattern?: RegExp, expected?: string): string | null => {
    const value = text(column);
    if (value === '') return null;
    if (value.length > max) problem(column, `is ${value.length} characters long; at most ${max} fit`);
    else if (pattern && !pattern.test(value)) problem(column, `"${value}" is not ${expected}`);
    return value;
  };
  const oneOf = <T extends string>(column: ImportColumn, words: Readonly<Record<string, T>>, fallback: T): T => {
    const value = text(column).toLowerCase();
    if (value === '') return fallback;
    const meant = words[value];
    if (meant) return meant;
    problem(column, `"${text(column)}" is not one of ${[...new Set(Object.values(words))].join(', ')}`);
    return fallback;
  };
  const coordinate = (column: 'lat' | 'lon', limit: number): number | null => {
    const value = text(column);
    if (value === '') return null;
    const n = Number(value);
    if (!DECIMAL.test(value) || Math.abs(n) > limit) {
      problem(
        column,
        `"${value}" is not a ${column === 'lat' ? 'latitude' : 'longitude'} (a number from -${limit} to ${limit})`,
      );
      return null;
    }
    return n;
  };

  const name = text('name');
  if (name === '') problem('name', 'is empty; every account needs a name');
  else if (name.length > 200) problem('name', `is ${name.length} characters long; at most 200 fit`);
  const accountNumber = optional('account_number', 40, ACCOUNT_NUMBER, 'an account number (letters, digits, . _ / -)');
  const kind = oneOf('kind', KIND_WORDS, 'residential');
  const status = oneOf('status', STATUS_WORDS, 'active');
  const email = optional('email', 254, EMAIL, 'an email address');
  const phone = optional('phone', 30, PHONE, 'a phone number (digits, spaces, + ( ) . - /)');
  const street = optional('street', 200);
  const city = optional('city', 100);
  const postalCode = optional('postal_code', 20);
  const plan = optional('plan', 100);
  const lat = coordinate('lat', 90);
  const lon = coordinate('lon', 180);
  if ((text('lat') === '') !== (text('lon') === '')) {
    problem(text('lat') === '' ? 'lat' : 'lon', 'lat and lon come together: give both or neither');
  }
  let country =
    optional('country', 2, /^[A-Za-z]{2}$/, 'a two-letter country code (ISO 3166-1)')?.toUpperCase() ?? null;
  if (ADDRESS_COLUMNS.some((column) => text(column) !== '')) {
    if (street === null) problem('street', 'is empty, but the row has an address');
    if (city === null) problem('city', 'is empty, but the row has an address');
    country ??= context.defaultCountry;
    if (country === null)
      problem('country', 'is empty, but the row has an address (or set defaultCountry in the settings)');
  }
  const tags = [
    ...new Set(
      text('tags')
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (tags.length > MAX_TAGS) problem('tags', `has ${tags.length} tags; at most ${MAX_TAGS} fit`);
  const longTag = tags.find((t) => t.length > 40);
  if (longTag) problem('tags', `tag "${longTag}" is longer than 40 characters`);

  const custom: Record<string, CustomValue> = {};
  for (const field of context.customFields) {
    const column = `${CUSTOM_PREFIX}${field.key}`;
    if (!cells.has(column)) continue;
    const read = customValueFromText(field, cells.get(column) as string);
    if (read.problem) problem(column, read.problem);
    else if (read.value !== undefined) custom[field.key] = read.value;
    else if (field.required) problem(column, `is empty; ${field.label} is required`);
  }

  if (problems.length > 0) return { problems };
  return {
    row: {
      line: record.line,
      account_number: accountNumber,
      name,
      kind,
      email,
      phone,
      street,
      city,
      postal_code: postalCode,
      country: street === null ? null : country,
      lat,
      lon,
      status,
      tags,
      plan,
      custom,
    },
    problems,
  };
}
