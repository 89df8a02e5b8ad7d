// The tenant's branding before anyone signs in: which tenant (from ?tenant=, or the one
// remembered), its name, logo and colours, applied as CSS variables and the page title.
import type { Branding, TenantInfo } from '@dotmac/ui';

/** GET /api/v1/ui/branding?tenant=slug; null on the platform host without a slug, or when it cannot be read. */
export async function loadBranding(slug: string | null, fetchFn: typeof fetch = fetch): Promise<TenantInfo | null> {
  const query = slug ? `?tenant=${encodeURIComponent(slug)}` : '';
  try {
    const response = await fetchFn(`/api/v1/ui/branding${query}`, { headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    const body = (await response.json()) as { tenant?: TenantInfo | null };
    return body.tenant ?? null;
  } catch {
    return null;
  }
}

/** The CSS variables of a tenant's colours, with a readable text colour on each. */
export function brandingVariables(branding: Branding | null | undefined): Record<string, string> {
  const variables: Record<string, string> = {};
  const primary = safeColour(branding?.primaryColor);
  const accent = safeColour(branding?.accentColor);
  if (primary) {
    variables['--dm-primary'] = primary;
    const on = textColourOn(primary);
    if (on) variables['--dm-on-primary'] = on;
  }
  if (accent) {
    variables['--dm-accent'] = accent;
    const on = textColourOn(accent);
    if (on) variables['--dm-on-accent'] = on;
  }
  return variables;
}

/** Applies a tenant's colours and name to the document. */
export function applyBranding(tenant: TenantInfo | null, portalName: string): void {
  const root = document.documentElement;
  for (const [name, value] of Object.entries(brandingVariables(tenant?.branding))) root.style.setProperty(name, value);
  document.title = tenant ? tenant.name : `DotMac ${portalName}`;
  if (tenant?.locale) root.lang = tenant.locale;
}

/** A colour value that cannot break out of its CSS declaration, or undefined. */
export function safeColour(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return /^(#[0-9a-f]{3,8}|(rgb|hsl)a?\([0-9.,%\s/deg]+\)|[a-z]+)$/i.test(value.trim()) ? value.trim() : undefined;
}

/** Black or white, whichever reads better on a #rgb/#rrggbb colour (WCAG relative luminance). */
export function textColourOn(colour: string): string | undefined {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour)?.[1];
  if (!hex) return undefined;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const channel = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast against white is (1.05)/(L+0.05), against black (L+0.05)/0.05: pick the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#000000';
}
