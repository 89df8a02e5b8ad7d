// @dotmac/ui — what plugin screens import. The shell provides one instance of this module to every
// plugin remote (a Module Federation singleton, like React), so the contexts below are the shell's.
//
// CONTRACT (being implemented): the signatures below are fixed; bodies arrive with the shell.
import type { ComponentType, ReactNode } from 'react';
import type { ContributionProps, JsonSchema, Page, Problem, Session, SlotName, TenantInfo } from './types.ts';

export type * from './types.ts';

// ---------------------------------------------------------------- API

/** A failed API call: the problem+json the server answered (or a network failure, status 0). */
export declare class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem);
  /** Field name → message, from `errors[].pointer` (/body/email → email, /body/address/city → address.city). */
  fieldErrors(): Readonly<Record<string, string>>;
}

/** Request options: query parameters (undefined values are left out). */
export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined | null>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * Route types a plugin may declare for a typed client:
 * `{ 'GET /accounts': { query: {q?: string}; response: Page<Account> }, 'POST /accounts': { body: NewAccount; response: Account } }`.
 */
export type RouteTypes = Record<string, { readonly query?: object; readonly body?: unknown; readonly response: unknown }>;

/** An API client bound to a base path, sending the signed-in user's token (refreshed when it expires). */
export interface ApiClient<R extends RouteTypes = RouteTypes> {
  /** The base path, e.g. /api/v1/p/dotmac.billing. */
  readonly base: string;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
  /** Typed call: `call('GET /accounts/:id', { params: { id } })`. */
  call<K extends keyof R & string>(
    route: K,
    input?: { readonly params?: Readonly<Record<string, string>>; readonly query?: R[K]['query']; readonly body?: R[K]['body'] },
  ): Promise<R[K]['response']>;
  /** Fetches a file with the user's token and saves it (PDF, CSV) under `filename` or the server's name. */
  download(path: string, filename?: string): Promise<void>;
}

/** The client for a plugin's routes (/api/v1/p/<pluginId>); the default is the plugin rendering the component. */
export declare function useApi<R extends RouteTypes = RouteTypes>(pluginId?: string): ApiClient<R>;
/** The client for the kernel's own routes (/api/v1: modules, users, roles, audit, platform). */
export declare function useKernelApi(): ApiClient;

/** Loads data on mount and when `deps` change; `reload()` loads again. */
export declare function useQuery<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): { readonly data: T | undefined; readonly error: ApiError | undefined; readonly loading: boolean; reload(): void };

// ---------------------------------------------------------------- session, tenant, navigation

/** Who is signed in. */
export declare function useSession(): Session;
/** The tenant (locale, currency, branding); null in the platform portal. */
export declare function useTenant(): TenantInfo | null;
/** Whether the signed-in user holds `permission` (the operator holds all). */
export declare function useCan(permission: string): boolean;
/** The id of the plugin whose contribution is rendering. */
export declare function usePluginId(): string;

/** A link inside the portal: `to` is a portal path (/customers/42), the portal's prefix is added. */
export declare function Link(props: {
  readonly to: string;
  readonly children: ReactNode;
  readonly className?: string;
  readonly 'aria-label'?: string;
}): ReactNode;
/** Navigates to a portal path. */
export declare function useNavigate(): (to: string, options?: { readonly replace?: boolean }) => void;

/**
 * Renders the contributions of every enabled plugin to a slot at `path`, each in its own error
 * boundary: detail tabs as a tab list, dashboard widgets and settings panels as a grid.
 */
export declare function Slot(props: {
  readonly name: Exclude<SlotName, 'route' | 'nav'>;
  readonly path: string;
  readonly params?: Readonly<Record<string, string>>;
}): ReactNode;

// ---------------------------------------------------------------- formatting (tenant locale)

/** `amount` is a decimal string ("1234.50"); formatted exactly (no float) in the tenant's locale. */
export declare function formatMoney(amount: string, currency?: string, locale?: string): string;
export declare function Money(props: { readonly amount: string; readonly currency?: string }): ReactNode;
/** An ISO date or timestamp in the tenant's locale and time zone. */
export declare function formatDate(value: string, options?: { readonly time?: boolean }): string;
export declare function DateText(props: { readonly value: string | null; readonly time?: boolean }): ReactNode;

// ---------------------------------------------------------------- components

/** A page: heading, optional actions beside it, content. */
export declare function PageFrame(props: {
  readonly title: string;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
}): ReactNode;

/** A column of a DataTable. */
export interface Column<T> {
  readonly key: string;
  readonly header: string;
  readonly render?: (row: T) => ReactNode;
  readonly align?: 'start' | 'end';
}

/** A table over a cursor-paginated route: loads `pageSize` rows, with Previous/Next. */
export declare function DataTable<T>(props: {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly load: (cursor: string | null, pageSize: number, signal: AbortSignal) => Promise<Page<T>>;
  readonly rowKey: (row: T) => string;
  readonly pageSize?: number;
  readonly empty?: ReactNode;
  /** Change to reload from the first page (e.g. a search term). */
  readonly reloadKey?: unknown;
}): ReactNode;

/**
 * A form for a JSON Schema object: one labelled control per property (string, number, integer,
 * boolean, enum; nested objects as fieldsets), client-side required checks, and the server's
 * problem+json field errors shown beside their fields (an ApiError thrown by `onSubmit`).
 */
export declare function SchemaForm<T = Record<string, unknown>>(props: {
  readonly schema: JsonSchema;
  readonly onSubmit: (value: T) => Promise<void>;
  readonly submitLabel: string;
  readonly initial?: Partial<T>;
  /** Property order; others follow. */
  readonly order?: readonly string[];
  /** A form id for tests and labels. */
  readonly id?: string;
}): ReactNode;

export declare function Button(props: {
  readonly children: ReactNode;
  readonly onClick?: () => void | Promise<void>;
  readonly type?: 'button' | 'submit';
  readonly variant?: 'primary' | 'secondary' | 'danger';
  readonly disabled?: boolean;
}): ReactNode;
/** An error shown inline (role=alert): the problem's title and detail. */
export declare function ErrorNotice(props: { readonly error: unknown }): ReactNode;
export declare function Loading(props: { readonly label?: string }): ReactNode;
/** A labelled figure for dashboard widgets. */
export declare function Stat(props: { readonly label: string; readonly value: ReactNode; readonly hint?: ReactNode }): ReactNode;
/** A status word with a colour (active, suspended, overdue, paid …). */
export declare function StatusBadge(props: { readonly status: string }): ReactNode;

/** The type of a contributed component. */
export type Contribution = ComponentType<ContributionProps>;
