// Permissions as GET /api/v1/permissions lists them, grouped by the module that defines them.

/** A permission a role can hold. */
export interface Permission {
  readonly name: string;
  readonly description: string;
  /** `kernel`, or the id of the module that defines it. */
  readonly source: string;
}

/** A group of permissions of one source, the kernel's first. */
export interface PermissionGroup {
  readonly source: string;
  readonly label: string;
  readonly permissions: readonly Permission[];
}

/**
 * The permissions by source, each group labelled with its module's name when `moduleNames` has it; names in `held` that no installed module defines (any more) form
 * a last group, so that they can be seen and removed.
 */
export function groupPermissions(
  catalogue: readonly Permission[],
  held: readonly string[] = [],
  moduleNames: Readonly<Record<string, string>> = {},
): PermissionGroup[] {
  const sources = [...new Set(catalogue.map((p) => p.source))].sort((a, b) =>
    a === 'kernel' ? -1 : b === 'kernel' ? 1 : a.localeCompare(b),
  );
  const groups = sources.map((source) => ({
    source,
    label: source === 'kernel' ? 'Administration' : (moduleNames[source] ?? source),
    permissions: catalogue.filter((p) => p.source === source).sort((a, b) => a.name.localeCompare(b.name)),
  }));
  const known = new Set(catalogue.map((p) => p.name));
  const unknown = held.filter((name) => !known.has(name));
  if (unknown.length === 0) return groups;
  return [
    ...groups,
    {
      source: '',
      label: 'No longer defined by an installed module',
      permissions: unknown.map((name) => ({ name, description: name, source: '' })),
    },
  ];
}
