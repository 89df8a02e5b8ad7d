// SchemaForm's pure side: initial text, client-side checks, and the typed value it sends.
import { describe, expect, it } from 'vitest';
import { checkForm, formValue, initialState, labelOf, orderedProperties } from '../src/schema-form/form-values.ts';
import type { JsonSchema } from '../src/types.ts';

const schema: JsonSchema = {
  type: 'object',
  required: ['name', 'kind', 'address'],
  properties: {
    name: { type: 'string', minLength: 2 },
    email: { type: 'string', format: 'email' },
    kind: { type: 'string', enum: ['residential', 'business'] },
    seats: { type: 'integer', minimum: 1 },
    creditLimit: { type: 'string', pattern: '^\\d+(\\.\\d{1,2})?$', 'x-widget': 'money' },
    vip: { type: 'boolean' },
    address: {
      type: 'object',
      required: ['city'],
      properties: { city: { type: 'string' }, postalCode: { type: ['string', 'null'] } },
    },
    billing: { type: 'object', required: ['day'], properties: { day: { type: 'integer' } } },
  },
};

describe('SchemaForm values', () => {
  it('starts from the initial value and defaults', () => {
    const state = initialState(schema, { name: 'Ada', seats: 3, address: { city: 'Lagos' } });
    expect(state).toMatchObject({ name: 'Ada', seats: '3', vip: false, 'address.city': 'Lagos', 'billing.day': '' });
  });

  it('names every required field left empty, also inside a required object', () => {
    const problems = checkForm(schema, initialState(schema, {}));
    expect(problems).toEqual({ name: 'is required', kind: 'is required', 'address.city': 'is required' });
  });

  it('checks an optional object only once something is entered in it', () => {
    const state = {
      ...initialState(schema, { name: 'Ada', kind: 'business', address: { city: 'X' } }),
      'billing.day': 'x',
    };
    expect(checkForm(schema, state)).toEqual({ 'billing.day': 'must be a number' });
  });

  it('checks numbers, bounds, lengths, emails and patterns', () => {
    const state = {
      ...initialState(schema, { kind: 'business', address: { city: 'X' } }),
      name: 'A',
      email: 'nope',
      seats: '1.5',
      creditLimit: '12.345',
    };
    expect(checkForm(schema, state)).toEqual({
      name: 'must be at least 2 characters',
      email: 'must be an email address',
      seats: 'must be a whole number',
      creditLimit: 'is not in the expected format',
    });
  });

  it('sends numbers as numbers, money as the string typed, and leaves empty optional fields out', () => {
    const state = {
      ...initialState(schema, {}),
      name: ' Ada ',
      kind: 'business',
      seats: '12',
      creditLimit: '100.50',
      'address.city': 'Lagos',
    };
    expect(formValue(schema, state)).toEqual({
      name: 'Ada',
      kind: 'business',
      seats: 12,
      creditLimit: '100.50',
      vip: false,
      address: { city: 'Lagos' },
    });
  });

  it('answers a numeric enum with its member', () => {
    const s: JsonSchema = { type: 'object', properties: { day: { type: 'integer', enum: [1, 15] } } };
    expect(formValue(s, { day: '15' })).toEqual({ day: 15 });
  });

  it('orders properties as asked, then as declared, and labels them in words', () => {
    expect(
      orderedProperties(schema, ['kind', 'nope'])
        .map(([n]) => n)
        .slice(0, 3),
    ).toEqual(['kind', 'name', 'email']);
    expect(labelOf('postalCode', {})).toBe('Postal code');
    expect(labelOf('x', { 'x-label': 'Custom' })).toBe('Custom');
  });
});
