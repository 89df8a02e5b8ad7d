// ApiError names the fields a problem+json points at, as the form's controls are named.
import { describe, expect, it } from 'vitest';
import { ApiError, fieldOfPointer } from '../src/api/api-error.ts';

describe('ApiError.fieldErrors', () => {
  it('maps /body/a/b pointers to dotted field names', () => {
    const error = new ApiError({
      title: 'Invalid input',
      status: 400,
      errors: [
        { pointer: '/body/email', detail: 'must be an email address' },
        { pointer: '/body/address/city', detail: 'is required' },
        { pointer: '/query/limit', detail: 'must be at most 100' },
      ],
    });
    expect(error.fieldErrors()).toEqual({
      email: 'must be an email address',
      'address.city': 'is required',
      limit: 'must be at most 100',
    });
  });

  it('leaves out a pointer at the whole body and joins two problems of one field', () => {
    const error = new ApiError({
      title: 'Invalid input',
      status: 400,
      errors: [
        { pointer: '/body', detail: 'is not valid JSON' },
        { pointer: '/body/name', detail: 'is too short' },
        { pointer: '/body/name', detail: 'must not be blank' },
      ],
    });
    expect(error.fieldErrors()).toEqual({ name: 'is too short; must not be blank' });
  });

  it('undoes JSON Pointer escapes', () => {
    expect(fieldOfPointer('/body/a~1b/c~0d')).toBe('a/b.c~d');
    expect(fieldOfPointer('/body/tags/0')).toBe('tags.0');
  });

  it('says the title and detail in its message', () => {
    expect(new ApiError({ title: 'Conflict', status: 409, detail: 'the number is taken' }).message).toBe(
      'Conflict: the number is taken',
    );
  });
});
