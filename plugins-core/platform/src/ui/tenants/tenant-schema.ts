// The bodies of the operator's tenant routes, and the forms that edit them. `newTenantSchema`
// is a copy of the kernel's (kernel/src/identity/tenants.ts: a plugin cannot import kernel
// files); test/platform.test.ts compares it with the kernel's OpenAPI document so it cannot drift.
// The forms differ from the bodies where SchemaForm renders no control for a shape: hostnames
// are typed one per line, and nullable fields are plain strings (empty: none).
import type { Tenant, TenantBranding } from './tenant.ts';

const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
const HOSTNAME_PATTERN =
  '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';

const profileProperties = {
  name: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    pattern: '\\S',
    description: 'Display name of the ISP, e.g. Lagos Fibre.',
  },
  hostnames: {
    type: 'array',
    maxItems: 20,
    uniqueItems: true,
    description: 'Hostnames its portals answer on, e.g. portal.lagosfibre.ng; stored lowercase, unique across tenants.',
    items: { type: 'string', minLength: 1, maxLength: 253, pattern: HOSTNAME_PATTERN, description: 'A DNS name.' },
  },
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'Default currency, ISO 4217, e.g. NGN.' },
  timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Africa/Lagos, or UTC.' },
  locale: { type: 'string', minLength: 2, maxLength: 35, description: 'BCP 47 language tag, e.g. en or fr-CA.' },
  branding: {
    type: 'object',
    additionalProperties: false,
    description: 'How its portals look; absent fields use the defaults.',
    properties: {
      logoUrl: {
        type: ['string', 'null'],
        maxLength: 2000,
        pattern: '^(https://|/)[^\\s"\'<>]*$',
        description: 'Logo shown in its portals: an https URL or a path on this host.',
      },
      primaryColor: {
        type: ['string', 'null'],
        pattern: '^#[0-9a-fA-F]{6}$',
        description: 'Main colour of its portals, #rrggbb.',
      },
      accentColor: { type: ['string', 'null'], pattern: '^#[0-9a-fA-F]{6}$', description: 'Accent colour, #rrggbb.' },
    },
  },
  planId: {
    type: ['string', 'null'],
    pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
    description: 'The SaaS plan: which modules the tenant may switch on. Null or absent: every installed module.',
  },
} as const;

/** The body of POST /api/v1/platform/tenants (the kernel's newTenantSchema). */
export const newTenantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'slug', 'hostnames', 'currency', 'timeZone', 'locale', 'admin'],
  description: 'A new tenant (an ISP hosted on this installation) and its first administrator.',
  properties: {
    slug: { type: 'string', pattern: SLUG_PATTERN, description: 'URL-safe short name, unique, e.g. lagos-fibre.' },
    ...profileProperties,
    admin: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      description: 'The first administrator, who is invited by email.',
      properties: {
        email: { type: 'string', format: 'email', maxLength: 254, description: 'Where the invitation goes.' },
        displayName: { type: 'string', minLength: 1, maxLength: 200, description: 'How the admin is named.' },
      },
    },
  },
} as const;

/** The body of POST /api/v1/platform/tenants, typed. */
export interface NewTenant {
  readonly name: string;
  readonly slug: string;
  readonly hostnames: readonly string[];
  readonly currency: string;
  readonly timeZone: string;
  readonly locale: string;
  readonly branding?: Partial<TenantBranding>;
  readonly planId?: string | null;
  readonly admin: { readonly email: string; readonly displayName?: string };
}

/** The body of PATCH /api/v1/platform/tenants/:tenantId: the fields that change. */
export type TenantPatch = Partial<Omit<NewTenant, 'slug' | 'admin'>>;

/** What the tenant forms hold: SchemaForm's values. */
export interface TenantFormValue {
  readonly name?: string;
  readonly slug?: string;
  /** One hostname per line (or separated by commas or spaces). */
  readonly hostnames?: string;
  readonly currency?: string;
  readonly timeZone?: string;
  readonly locale?: string;
  /** Empty: no plan. */
  readonly planId?: string;
  readonly branding?: { readonly logoUrl?: string; readonly primaryColor?: string; readonly accentColor?: string };
  readonly admin?: { readonly email?: string; readonly displayName?: string };
}

const { branding, hostnames, name, currency, timeZone, locale } = profileProperties;

const hostnamesField = {
  type: 'string',
  maxLength: 20 * 254,
  'x-widget': 'textarea',
  'x-label': 'Hostnames',
  description: `${hostnames.description} One per line; up to ${hostnames.maxItems}.`,
} as const;

const brandingField = {
  type: 'object',
  'x-label': 'Branding',
  description: branding.description,
  properties: {
    logoUrl: { ...branding.properties.logoUrl, type: 'string', 'x-label': 'Logo URL' },
    primaryColor: { ...branding.properties.primaryColor, type: 'string', 'x-label': 'Primary colour' },
    accentColor: { ...branding.properties.accentColor, type: 'string', 'x-label': 'Accent colour' },
  },
} as const;

const labelled = {
  name: { ...name, 'x-label': 'Name' },
  currency: { ...currency, 'x-label': 'Currency' },
  timeZone: { ...timeZone, 'x-label': 'Time zone' },
  locale: { ...locale, 'x-label': 'Locale' },
} as const;

/** The create form: the body's fields, with the plans that exist to choose from. */
export function newTenantFormSchema(planIds: readonly string[]) {
  return {
    type: 'object',
    required: ['name', 'slug', 'currency', 'timeZone', 'locale', 'admin'],
    properties: {
      ...labelled,
      slug: { ...newTenantSchema.properties.slug, 'x-label': 'Slug' },
      hostnames: hostnamesField,
      ...(planIds.length
        ? {
            planId: {
              type: 'string',
              enum: [...planIds],
              'x-label': 'SaaS plan',
              description: 'Which modules the tenant may switch on (they are switched on for it). None: every module.',
            },
          }
        : {}),
      branding: brandingField,
      admin: {
        type: 'object',
        required: ['email'],
        'x-label': 'First administrator',
        description: newTenantSchema.properties.admin.description,
        properties: {
          email: { ...newTenantSchema.properties.admin.properties.email, 'x-label': 'Email' },
          displayName: { ...newTenantSchema.properties.admin.properties.displayName, 'x-label': 'Name' },
        },
      },
    },
  } as const;
}

/** The profile form of an existing tenant (its plan has a form of its own). */
export const tenantProfileFormSchema = {
  type: 'object',
  required: ['name', 'currency', 'timeZone', 'locale'],
  properties: { ...labelled, hostnames: hostnamesField, branding: brandingField },
} as const;

/** Field order of the forms. */
export const TENANT_FORM_ORDER = [
  'name',
  'slug',
  'hostnames',
  'planId',
  'currency',
  'timeZone',
  'locale',
  'admin',
  'branding',
] as const;

/** The hostnames typed in a form, lowercase, without repeats. */
export function hostnameList(text: string | undefined): string[] {
  const names = (text ?? '')
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return [...new Set(names)];
}

const blank = (text: string | undefined) => (text ?? '').trim() === '';

/** The branding typed in a form, without its empty fields; undefined when all are empty. */
function brandingOf(value: TenantFormValue['branding']): Partial<TenantBranding> | undefined {
  const entries = Object.entries(value ?? {}).filter(([, v]) => !blank(v));
  return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, (v as string).trim()])) : undefined;
}

/** The body of POST /api/v1/platform/tenants from the create form. */
export function newTenantBody(value: TenantFormValue): NewTenant {
  const brand = brandingOf(value.branding);
  return {
    name: (value.name ?? '').trim(),
    slug: (value.slug ?? '').trim(),
    hostnames: hostnameList(value.hostnames),
    currency: (value.currency ?? '').trim().toUpperCase(),
    timeZone: (value.timeZone ?? '').trim(),
    locale: (value.locale ?? '').trim(),
    ...(blank(value.planId) ? {} : { planId: value.planId }),
    ...(brand ? { branding: brand } : {}),
    admin: {
      email: (value.admin?.email ?? '').trim(),
      ...(blank(value.admin?.displayName) ? {} : { displayName: value.admin?.displayName?.trim() }),
    },
  };
}

/** The profile form's initial values for `tenant`. */
export function profileFormValue(tenant: Tenant): TenantFormValue {
  return {
    name: tenant.name,
    hostnames: tenant.hostnames.join('\n'),
    currency: tenant.currency,
    timeZone: tenant.timeZone,
    locale: tenant.locale,
    branding: {
      logoUrl: tenant.branding?.logoUrl ?? '',
      primaryColor: tenant.branding?.primaryColor ?? '',
      accentColor: tenant.branding?.accentColor ?? '',
    },
  };
}

const sameBranding = (a: Partial<TenantBranding> | undefined, b: TenantBranding | undefined) =>
  (['logoUrl', 'primaryColor', 'accentColor'] as const).every((k) => (a?.[k] ?? null) === (b?.[k] ?? null));

/** The PATCH body for what the profile form changed of `tenant`; empty when nothing changed. */
export function profilePatch(tenant: Tenant, value: TenantFormValue): TenantPatch {
  const hosts = hostnameList(value.hostnames);
  const brand = brandingOf(value.branding);
  const text = (v: string | undefined) => (v ?? '').trim();
  return {
    ...(text(value.name) !== tenant.name ? { name: text(value.name) } : {}),
    ...([...hosts].sort().join('\n') !== [...tenant.hostnames].sort().join('\n') ? { hostnames: hosts } : {}),
    ...(text(value.currency).toUpperCase() !== tenant.currency ? { currency: text(value.currency).toUpperCase() } : {}),
    ...(text(value.timeZone) !== tenant.timeZone ? { timeZone: text(value.timeZone) } : {}),
    ...(text(value.locale) !== tenant.locale ? { locale: text(value.locale) } : {}),
    ...(tenant.branding && !sameBranding(brand, tenant.branding) ? { branding: brand ?? {} } : {}),
  };
}
