// Matching a portal path against a contribution's pattern (/customers/:id), the way wouter does:
// `:name` is one segment, `:name?` an optional one, `*` the rest.

/** The parameters of `path` for `pattern`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const wanted = segmentsOf(pattern);
  const given = segmentsOf(path.split('?')[0] ?? '');
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const part = wanted[i] as string;
    if (part === '*') {
      params['*'] = given.slice(i).map(decode).join('/');
      return params;
    }
    const value = given[i];
    if (part.startsWith(':')) {
      const optional = part.endsWith('?');
      const name = part.slice(1, optional ? -1 : undefined);
      if (value === undefined) {
        if (optional) continue;
        return null;
      }
      params[name] = decode(value);
      continue;
    }
    if (value !== part) return null;
  }
  return given.length <= wanted.length ? params : null;
}

/** How specific a pattern is: static segments count most, then parameters; a wildcard least. */
export function specificity(pattern: string): number {
  return segmentsOf(pattern).reduce((sum, part) => sum + (part === '*' ? 0 : part.startsWith(':') ? 1 : 3), 0);
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
