// The catalogue of event types: JSON Schemas from schemas/events/ plus those registered at
// run time (plugins declare theirs). An event name without a schema cannot be published.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { ConflictError, ValidationError } from '../errors.ts';
import { compileSchema, type JsonSchema, validateOrThrow } from '../validation.ts';

/** Event names are dotted lowercase words: `tenant.created`, `invoice.issued`. */
export const EVENT_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

const eventsDir = join(dirname(createRequire(import.meta.url).resolve('@dotmac/schemas/package.json')), 'events');

export class EventSchemas {
  private readonly validators = new Map<string, ValidateFunction>();
  /** Which plugin registered each event type it publishes (the repository's have none). */
  private readonly owners = new Map<string, string>();

  /** A catalogue holding every schema in schemas/events/. */
  static fromRepository(): EventSchemas {
    const schemas = new EventSchemas();
    for (const file of readdirSync(eventsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      schemas.register(JSON.parse(readFileSync(join(eventsDir, file), 'utf8')) as JsonSchema);
    }
    return schemas;
  }

  /** Adds an event type; its `$id` is the event name. Re-registering an identical name is refused. */
  register(schema: JsonSchema): void {
    const name = schema.$id;
    if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
      throw new ValidationError(
        `event schema $id must be an event name like "tenant.created" (got ${JSON.stringify(name)})`,
        [{ pointer: '/$id', detail: 'must be a dotted lowercase event name' }],
      );
    }
    if (this.validators.has(name)) throw new ConflictError(`event type ${name} is already registered`);
    this.validators.set(name, compileSchema(schema));
  }

  /**
   * Registers the schema of an event `owner` (a plugin) publishes, or replaces the one an earlier
   * version of the same plugin registered (an upgrade may add fields). A schema in
   * schemas/events/ stays: the repository's contract wins over a manifest's copy.
   */
  registerOwned(schema: JsonSchema, owner: string): void {
    const name = schema.$id as string;
    if (this.validators.has(name)) {
      if (this.owners.get(name) !== owner) return;
      this.validators.delete(name);
    }
    this.register(schema);
    this.owners.set(name, owner);
  }

  has(name: string): boolean {
    return this.validators.has(name);
  }

  names(): string[] {
    return [...this.validators.keys()].sort();
  }

  /** Throws ValidationError (pointers under `/payload`) unless `payload` is a valid `name` event. */
  validate(name: string, payload: unknown): void {
    const validate = this.validators.get(name);
    if (!validate) {
      throw new ValidationError(
        `unknown event type ${name}: add its schema to schemas/events/ or the plugin manifest`,
        [{ pointer: '/name', detail: `no schema for event type ${name}` }],
      );
    }
    validateOrThrow(validate, payload, `invalid ${name} event`, '/payload');
  }
}
