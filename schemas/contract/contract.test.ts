// The SDK/kernel contract's names: entries read back as what they name, and each plugin id
// gets its own UI remote name, a JavaScript identifier.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import manifestSchema from '../plugin-manifest.schema.json' with { type: 'json' };
import { Entry, parseEntry } from './entries.ts';
import { remoteName, uiAssetsPath } from './ui.ts';

const PLUGIN_ID = new RegExp(manifestSchema.$defs.pluginId.pattern);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4}){0,2}$/);
const pluginId = fc.array(word, { minLength: 2, maxLength: 4 }).map((words) => words.join('.'));

describe('the plugin contract', () => {
  test('the generated ids are valid plugin ids (the property below covers real ids)', () => {
    fc.assert(fc.property(pluginId, (id) => PLUGIN_ID.test(id)));
  });

  test('distinct plugin ids get distinct remote names, each a JavaScript identifier', () => {
    fc.assert(
      fc.property(pluginId, pluginId, (a, b) => {
        expect(remoteName(a)).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
        expect(remoteName(a) === remoteName(b)).toBe(a === b);
      }),
    );
    expect(remoteName('a.b-c')).not.toBe(remoteName('a.b.c'));
    expect(remoteName('contrib.outage-notices')).toBe('contrib__outage_notices');
    expect(uiAssetsPath('contrib.outage-notices', '1.2.0')).toBe('/plugins/contrib.outage-notices/1.2.0/ui');
  });

  test('every entry name reads back as what it names', () => {
    expect(parseEntry(Entry.route('GET /invoices/:id'))).toEqual({
      kind: 'route',
      method: 'GET',
      path: '/invoices/:id',
    });
    expect(parseEntry(Entry.event)).toEqual({ kind: 'event' });
    expect(parseEntry(Entry.events)).toEqual({ kind: 'events' });
    expect(parseEntry(Entry.job('expire-notices'))).toEqual({ kind: 'job', name: 'expire-notices' });
    expect(parseEntry(Entry.service('findCustomer'))).toEqual({ kind: 'service', name: 'findCustomer' });
    expect(parseEntry('route:TRACE /x')).toBeUndefined();
    expect(parseEntry('job:')).toBeUndefined();
  });
});
