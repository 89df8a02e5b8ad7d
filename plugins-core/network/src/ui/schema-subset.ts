// A form's schema cut from a route's body schema: only the fields the form asks for, with the
// labels and hints the form shows, so the body schema stays the one source of the rules.
import type { JsonSchema } from '@dotmac/ui';

/** What a form changes about one property: its label and a shorter hint. */
export interface FieldLook {
  readonly label?: string;
  readonly hint?: string;
  readonly widget?: JsonSchema['x-widget'];
}

/**
 * `body` (a schema file, imported as JSON) with only the properties named in `fields` (in that
 * order), each with its look.
 */
export function schemaSubset(body: object, fields: Readonly<Record<string, FieldLook>>): JsonSchema {
  const schema = body as JsonSchema;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, look] of Object.entries(fields)) {
    const property = schema.properties?.[name];
    if (!property) continue;
    properties[name] = {
      ...property,
      ...(look.label && { 'x-label': look.label }),
      ...(look.hint && { description: look.hint }),
      ...(look.widget && { 'x-widget': look.widget }),
    };
  }
  return {
    ...schema,
    properties,
    required: (schema.required ?? []).filter((name) => name in properties),
  };
}
