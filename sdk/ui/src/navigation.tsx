// Links and navigation inside the current portal: paths are portal paths (/customers/42); the
// shell's router adds the portal's prefix (/admin).
import type { ReactNode } from 'react';
import { useLocation, Link as WouterLink } from 'wouter';

/** A link inside the portal: `to` is a portal path (/customers/42), the portal's prefix is added. */
export function Link(props: {
  readonly to: string;
  readonly children: ReactNode;
  readonly className?: string;
  readonly 'aria-label'?: string;
}): ReactNode {
  return (
    <WouterLink href={props.to} className={props.className} aria-label={props['aria-label']}>
      {props.children}
    </WouterLink>
  );
}

/** Navigates to a portal path. */
export function useNavigate(): (to: string, options?: { readonly replace?: boolean }) => void {
  const [, navigate] = useLocation();
  return (to, options) => navigate(to, { replace: options?.replace ?? false });
}
