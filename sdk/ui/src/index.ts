// @dotmac/ui — what plugin screens import. The shell provides one instance of this module to every
// plugin remote (a Module Federation singleton, like React), so the contexts below are the shell's.
import type { ComponentType } from 'react';
import type { ContributionProps } from './types.ts';

// ---------------------------------------------------------------- API
export type { ApiClient, RequestOptions, RouteTypes } from './api/api-client.ts';
export { ApiError } from './api/api-error.ts';
export { useApi, useKernelApi, useQuery } from './api/hooks.ts';
// ---------------------------------------------------------------- components
export { Button } from './components/button.tsx';
export { CheckboxField, type CheckboxFieldProps } from './components/checkbox-field.tsx';
export { type Column, DataTable } from './components/data-table.tsx';
export { ErrorNotice } from './components/error-notice.tsx';
export { Loading } from './components/loading.tsx';
export { PageFrame } from './components/page-frame.tsx';
export { PageSection } from './components/page-section.tsx';
export { Stat } from './components/stat.tsx';
export { StatusBadge } from './components/status-badge.tsx';
export { SelectField, type SelectFieldProps, TextField, type TextFieldProps } from './components/text-field.tsx';
// ---------------------------------------------------------------- formatting (tenant locale)
export { formatDate } from './format/date.ts';
export { DateText, Money } from './format/format-components.tsx';
export { formatMoney } from './format/money.ts';
// ---------------------------------------------------------------- session, tenant, navigation
export { Link, useNavigate } from './navigation.tsx';
export { SchemaForm } from './schema-form/schema-form.tsx';
export { useCan, usePluginId, useSession, useTenant } from './shell/session-hooks.ts';
export { Slot } from './slot.tsx';
export type * from './types.ts';

/** The type of a contributed component. */
export type Contribution = ComponentType<ContributionProps>;

// ---------------------------------------------------------------- shell-only
// What the shell renders around the portal and each contribution. Plugin screens never use these.
export { type ApiClientOptions, createApiClient, problemOf } from './api/api-client.ts';
export type { TokenSource } from './api/token-source.ts';
export { setFormatDefaults } from './format/format-defaults.ts';
export type { ShellValue, SlotRequest } from './shell/shell-context.ts';
export { PluginScope, ShellProvider } from './shell/shell-provider.tsx';
