// The portals the shell serves and which one a URL is for: the first path segment (/admin/…).
import type { Portal } from '@dotmac/ui';

export const PORTALS: readonly Portal[] = ['admin', 'customer', 'reseller', 'technician', 'platform'];

/** What each portal is called on screen. */
export const PORTAL_NAMES: Readonly<Record<Portal, string>> = {
  admin: 'Staff',
  customer: 'Customer',
  reseller: 'Reseller',
  technician: 'Technician',
  platform: 'Platform',
};

/** The portal a path belongs to (`/admin/customers/42` → admin), or undefined. */
export function portalOfPath(pathname: string): Portal | undefined {
  const first = pathname.split('/')[1] ?? '';
  return (PORTALS as readonly string[]).includes(first) ? (first as Portal) : undefined;
}
