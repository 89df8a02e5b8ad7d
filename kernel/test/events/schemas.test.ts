// Event schemas a plugin registers follow its upgrades; the repository's contracts and other
// plugins' events are not its to replace.
import { expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { EventSchemas } from '../../src/events/schemas.ts';

const noteAdded = (required: string[]) => ({
  $id: 'note.added',
  type: 'object',
  additionalProperties: false,
  required,
  properties: { text: { type: 'string' }, pinned: { type: 'boolean' } },
});

test('an upgrade of the publishing plugin replaces its event schema', () => {
  const schemas = new EventSchemas();
  schemas.registerOwned(noteAdded(['text']), 'acme.notes');
  expect(() => schemas.validate('note.added', { text: 'a' })).not.toThrow();
  schemas.registerOwned(noteAdded(['text', 'pinned']), 'acme.notes');
  expect(() => schemas.validate('note.added', { text: 'a' })).toThrow(ValidationError);
  expect(() => schemas.validate('note.added', { text: 'a', pinned: true })).not.toThrow();
});

test('another plugin cannot replace an event schema it does not own', () => {
  const schemas = new EventSchemas();
  schemas.registerOwned(noteAdded(['text']), 'acme.notes');
  schemas.registerOwned(noteAdded(['text', 'pinned']), 'mallory.notes');
  expect(() => schemas.validate('note.added', { text: 'a' })).not.toThrow();
});

test('a schema from schemas/events/ stays: the repository’s contract wins over a manifest’s copy', () => {
  const schemas = EventSchemas.fromRepository();
  schemas.registerOwned({ $id: 'tenant.created', type: 'object', required: ['nonsense'] }, 'acme.tenants');
  expect(() => schemas.validate('tenant.created', {})).toThrow(ValidationError);
  expect(() => schemas.validate('tenant.created', { nonsense: 1 })).toThrow(ValidationError);
});
