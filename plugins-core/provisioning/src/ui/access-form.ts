// The credentials form: PUT /services/:subscriptionId/access's body schema, with the labels and
// hints a person needs. The rules (lengths, the username's characters) stay the schema's.
import type { JsonSchema } from '@dotmac/ui';
import accessInput from '../../schemas/access-input.json' with { type: 'json' };

const body = accessInput as JsonSchema;
const property = (name: string, look: Partial<JsonSchema>): JsonSchema => ({
  ...(body.properties?.[name] ?? {}),
  ...look,
});

export const ACCESS_FORM: JsonSchema = {
  ...body,
  properties: {
    access: property('access', {
      'x-label': 'Access',
      description: 'pppoe or ipoe; empty: the default set for your network.',
    }),
    username: property('username', {
      'x-label': 'Username',
      description: 'The PPPoE login (or the IPoE identity): no spaces or quotes; unique in your network.',
    }),
    password: property('password', {
      'x-label': 'Password',
      'x-widget': 'password',
      description: 'PPPoE only, and required there: 6 to 128 characters. Never shown again.',
    }),
    circuitId: property('circuitId', { 'x-label': 'Circuit id (option 82)', description: 'IPoE only.' }),
    remoteId: property('remoteId', { 'x-label': 'Remote id (option 82)', description: 'IPoE only.' }),
  },
};
