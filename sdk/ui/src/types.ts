// The shapes the shell and plugin screens share: who is signed in, the tenant, the UI manifest,
// what a contributed component receives, and the problem+json an API call can fail with.

/** The portals, one per kind of user. */
export type Portal = 'admin' | 'customer' | 'reseller' | 'technician' | 'platform';

/** Where a contribution goes in a portal. */
export type SlotName = 'route' | 'nav' | 'dashboard-widget' | 'detail-tab' | 'settings-panel';

/** Who is signed in (from GET /api/v1/auth/me). */
export interface Session {
  readonly kind: 'user' | 'operator';
  readonly portal: Portal;
  /** The signed-in user; null for the operator's ADMIN_TOKEN. */
  readonly userId: string | null;
  /** Null for the platform operator. */
  readonly tenantId: string | null;
  /** What a customer, reseller or technician acts as (their account, reseller or technician record). */
  readonly subjectId: string | null;
  /** Every permission the user's roles grant (the operator holds all). */
  readonly permissions: ReadonlySet<string>;
}

/** Tenant branding, from the tenant's settings. */
export interface Branding {
  readonly logoUrl: string | null;
  /** CSS colour, e.g. #0b5fff. */
  readonly primaryColor: string | null;
  readonly accentColor: string | null;
}

/** The tenant a portal belongs to, as GET /api/v1/ui/branding answers it (public, before sign-in). */
export interface TenantInfo {
  readonly slug: string;
  readonly name: string;
  /** BCP 47, e.g. en-NG. */
  readonly locale: string;
  /** ISO 4217 default currency, e.g. NGN. */
  readonly currency: string;
  /** IANA time zone. */
  readonly timeZone: string;
  readonly branding: Branding;
}

/** A plugin's Module Federation remote, as the UI manifest lists it. */
export interface UiRemote {
  readonly pluginId: string;
  readonly version: string;
  /** Module Federation name (remoteName(pluginId)). */
  readonly name: string;
  /** URL path of remoteEntry.js, immutable per version. */
  readonly entry: string;
}

/** One contribution of one plugin to the portal, as the UI manifest lists it. */
export interface UiContribution {
  readonly pluginId: string;
  readonly remote: string;
  readonly slot: SlotName;
  /** Portal path: a route's URL, a nav entry's target, the detail page a tab belongs to, `/` for the dashboard, `/settings` for settings panels. */
  readonly path: string;
  /** Exposed module that renders it (`./InvoiceList`); a nav entry may have none. */
  readonly module?: string;
  readonly title?: string;
  readonly permission?: string;
  /** Lower first; 100 when absent. */
  readonly order?: number;
}

/** GET /api/v1/ui/manifest?portal=… */
export interface UiManifest {
  readonly portal: Portal;
  readonly remotes: readonly UiRemote[];
  readonly contributions: readonly UiContribution[];
}

/**
 * What the shell passes to every contributed component (the default export of an exposed module).
 * `params` are the path's parameters (`/customers/:id` → `{ id }`), for routes and detail tabs.
 */
export interface ContributionProps {
  readonly params: Readonly<Record<string, string>>;
  /** The contribution's own path pattern (`/customers/:id`). */
  readonly path: string;
}

/** One field's problem in a problem+json answer (`pointer` like /body/email or /query/limit). */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** An RFC 9457 problem, as every DotMac error answers. */
export interface Problem {
  readonly type?: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
}

/** One page of a cursor-paginated list, as DotMac routes answer. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** A JSON Schema as route bodies declare them (the subset SchemaForm renders). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly (string | number)[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly items?: JsonSchema;
  readonly additionalProperties?: boolean | JsonSchema;
  /** Label shown instead of the property name (DotMac extension). */
  readonly 'x-label'?: string;
  /** Render as a multi-line text area, a password, or hidden (DotMac extension). */
  readonly 'x-widget'?: 'textarea' | 'password' | 'hidden' | 'money' | 'date';
  readonly [keyword: string]: unknown;
}
