// The tenant's choice of events, as patterns read the way the kernel reads subscriptions.

/** True when dotted `name` matches `pattern`: `*` matches one word, a trailing `**` one or more. */
export function matchesPattern(pattern: string, name: string): boolean {
  const expected = pattern.split('.');
  const words = name.split('.');
  for (const [i, word] of expected.entries()) {
    if (word === '**') return i === expected.length - 1 && words.length > i;
    if (i >= words.length || (word !== '*' && word !== words[i])) return false;
  }
  return expected.length === words.length;
}
