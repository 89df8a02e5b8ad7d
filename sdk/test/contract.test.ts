// The SDK and the kernel's host speak one contract: the same entry names and capability
// methods. Until both import one leaf module, this keeps the two copies from drifting.
import { describe, expect, test } from 'vitest';
import { CAPABILITY_METHODS as HOST_METHODS } from '../../kernel/src/plugins/capabilities.ts';
import { EVENT_ENTRY, routeEntry } from '../../kernel/src/plugins/host.ts';
import { CAPABILITY_METHODS, Entry } from '../src/index.ts';

describe('the SDK and the kernel host agree', () => {
  test('on entry names for routes and events', () => {
    expect(routeEntry('GET', '/invoices/:id')).toBe(Entry.route('GET /invoices/:id'));
    expect(routeEntry('post', '/notes')).toBe(Entry.route('POST /notes'));
    expect(EVENT_ENTRY).toBe(Entry.event);
  });

  test('on every capability method the host serves', () => {
    for (const [capability, methods] of Object.entries(HOST_METHODS)) {
      expect(CAPABILITY_METHODS[capability as keyof typeof CAPABILITY_METHODS], capability).toEqual(
        expect.arrayContaining([...methods]),
      );
    }
  });
});
