// A signed-in portal: the shell's context for plugin screens, the remotes, the layout and pages.
// Loaded after sign-in, with the federation runtime, so the sign-in page stays light.
import {
  type ApiClient,
  type Portal,
  type Session,
  ShellProvider,
  type ShellValue,
  type SlotRequest,
  type TenantInfo,
  type TokenSource,
  type UiManifest,
} from '@dotmac/ui';
import { useMemo, useState } from 'react';
import { RemoteRegistry } from './federation/remote-registry.ts';
import { ShellLayout } from './layout/shell-layout.tsx';
import { PortalRoutes } from './pages/portal-routes.tsx';
import { ChangePasswordDialog } from './session/change-password-dialog.tsx';
import { portalsWithSessions } from './session/stored-sessions.ts';
import { PortalRuntimeContext } from './slots/portal-runtime.ts';
import { SlotView } from './slots/slot-view.tsx';

const renderSlot = (request: SlotRequest) => <SlotView {...request} />;

/** One registry per manifest, outside React: a render React discards must not load remotes again. */
const registries = new WeakMap<UiManifest, RemoteRegistry>();
function registryFor(manifest: UiManifest): RemoteRegistry {
  let registry = registries.get(manifest);
  if (!registry) {
    registry = new RemoteRegistry(manifest.remotes);
    registries.set(manifest, registry);
  }
  return registry;
}

export default function PortalApp(props: {
  readonly portal: Portal;
  readonly tenant: TenantInfo | null;
  readonly session: Session;
  readonly manifest: UiManifest;
  readonly tokens: TokenSource;
  readonly kernel: ApiClient;
  readonly onSignOut: () => void;
  readonly onPasswordChanged: () => void;
}) {
  const { portal, tenant, session, manifest, tokens } = props;
  const [changingPassword, setChangingPassword] = useState(false);
  const runtime = useMemo(() => ({ manifest, registry: registryFor(manifest) }), [manifest]);
  const shell = useMemo<ShellValue>(
    () => ({ portal, session, tenant, tokens, renderSlot }),
    [portal, session, tenant, tokens],
  );
  const otherPortals = portalsWithSessions(localStorage).filter((p) => p !== portal);
  const homeTitle = portal === 'customer' ? 'My account' : 'Dashboard';

  return (
    <ShellProvider value={shell}>
      <PortalRuntimeContext.Provider value={runtime}>
        <ShellLayout
          portal={portal}
          tenant={tenant}
          manifest={manifest}
          homeTitle={homeTitle}
          otherPortals={otherPortals}
          onChangePassword={() => setChangingPassword(true)}
          onSignOut={props.onSignOut}
        >
          <PortalRoutes homeTitle={homeTitle} />
        </ShellLayout>
        {changingPassword ? (
          <ChangePasswordDialog
            api={props.kernel}
            onClose={() => setChangingPassword(false)}
            onChanged={props.onPasswordChanged}
          />
        ) : null}
      </PortalRuntimeContext.Provider>
    </ShellProvider>
  );
}
