// Signing in to a portal: email and password, the organisation when the page does not know the
// tenant, and the one-time code once the server says the account needs one.
import { ApiError, Button, ErrorNotice, type Portal, type TenantInfo } from '@dotmac/ui';
import { type FormEvent, useRef, useState } from 'react';
import { PORTAL_NAMES } from '../portal.ts';
import type { Credentials } from './token-keeper.ts';

/** The server's refusal of a right password without the code (kernel/src/identity/sign-in.ts). */
const CODE_REQUIRED = /one-time code is required/i;
const CODE_PROBLEM = /one-time code|totp/i;

export function SignInPage(props: {
  readonly portal: Portal;
  readonly tenant: TenantInfo | null;
  readonly initialTenantSlug: string | null;
  readonly notice?: string | undefined;
  readonly signIn: (credentials: Credentials) => Promise<void>;
}) {
  const { portal, tenant } = props;
  const askTenant = !tenant && portal !== 'platform';
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [tenantProblem, setTenantProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const credentials: Credentials = {
      email: text('email'),
      password: String(data.get('password') ?? ''),
      // The slug goes along even when the page knows the tenant: on the platform's host name it says which.
      tenant: askTenant ? text('tenant').toLowerCase() || undefined : portal === 'platform' ? undefined : tenant?.slug,
      totpCode: needsCode ? text('totpCode') || undefined : undefined,
    };
    if (!credentials.email || !credentials.password || (askTenant && !credentials.tenant)) {
      setError(askTenant ? 'Enter your organisation, email and password.' : 'Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    setTenantProblem(undefined);
    try {
      await props.signIn(credentials);
    } catch (e) {
      if (e instanceof ApiError && CODE_REQUIRED.test(e.problem.detail ?? '') && !needsCode) {
        setNeedsCode(true);
        setError('Enter the code from your authenticator app.');
        setTimeout(() => codeInput.current?.focus());
      } else {
        if (e instanceof ApiError && CODE_PROBLEM.test(e.problem.detail ?? '')) setNeedsCode(true);
        if (e instanceof ApiError) setTenantProblem(e.fieldErrors().tenant);
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };

  const title = `Sign in to the ${PORTAL_NAMES[portal]} portal`;
  return (
    <main id="main" className="shell-signin">
      <div className="shell-signin__card">
        {tenant?.branding.logoUrl ? <img className="shell-signin__logo" src={tenant.branding.logoUrl} alt="" /> : null}
        <p className="shell-signin__tenant">{tenant?.name ?? 'DotMac'}</p>
        <h1 className="shell-signin__title">{title}</h1>
        {props.notice ? (
          <p className="shell-signin__notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <form className="dm-form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
          {error !== undefined ? <ErrorNotice error={error} /> : null}
          {askTenant ? (
            <div className="dm-field">
              <label htmlFor="signin-tenant" className="dm-field__label">
                Organisation
              </label>
              <input
                id="signin-tenant"
                name="tenant"
                autoComplete="organization"
                defaultValue={props.initialTenantSlug ?? ''}
                aria-describedby={tenantProblem ? 'signin-tenant-hint signin-tenant-problem' : 'signin-tenant-hint'}
                aria-invalid={tenantProblem ? true : undefined}
                required
              />
              <p id="signin-tenant-hint" className="dm-field__hint">
                Your organisation's short name (as in its address).
              </p>
              {tenantProblem ? (
                <p id="signin-tenant-problem" className="dm-field__problem">
                  Organisation {tenantProblem}
                </p>
              ) : null}
            </div>
          ) : null}
          <div className="dm-field">
            <label htmlFor="signin-email" className="dm-field__label">
              Email
            </label>
            <input id="signin-email" name="email" type="email" autoComplete="username" required />
          </div>
          <div className="dm-field">
            <label htmlFor="signin-password" className="dm-field__label">
              Password
            </label>
            <input id="signin-password" name="password" type="password" autoComplete="current-password" required />
          </div>
          {needsCode ? (
            <div className="dm-field">
              <label htmlFor="signin-code" className="dm-field__label">
                One-time code
              </label>
              <input
                ref={codeInput}
                id="signin-code"
                name="totpCode"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
              />
            </div>
          ) : null}
          <div className="dm-form__actions">
            <Button type="submit" variant="primary" disabled={busy}>
              Sign in
            </Button>
          </div>
        </form>
      </div>
    </main>
  );
}
