// The platform portal's Marketplace page (/marketplace): search the configured registries, review
// a plugin (who signed it, what it asks for, its dependencies) and install it; upgrade and
// uninstall the installed packages.
import {
  Button,
  DateText,
  ErrorNotice,
  Loading,
  PageFrame,
  PageSection,
  SelectField,
  TextField,
  useKernelApi,
  useQuery,
} from '@dotmac/ui';
import { type FormEvent, useState } from 'react';
import { InstallPreview } from './marketplace/InstallPreview.tsx';
import type { CatalogAnswer, CatalogPlugin, InstalledPackage } from './marketplace/marketplace.ts';
import { PackageUninstall } from './marketplace/PackageUninstall.tsx';
import { PackageUpgrade } from './marketplace/PackageUpgrade.tsx';

const PORTALS = ['', 'admin', 'customer', 'reseller', 'technician', 'platform'] as const;
const PORTAL_OPTIONS = PORTALS.map((p) => ({ value: p, label: p ? `${p[0]?.toUpperCase()}${p.slice(1)}` : 'Any' }));

interface Search {
  readonly q: string;
  readonly capability: string;
  readonly portal: (typeof PORTALS)[number];
}

type Action =
  | { readonly kind: 'install'; readonly pluginId: string }
  | { readonly kind: 'upgrade' | 'uninstall'; readonly pkg: InstalledPackage };

export default function Marketplace() {
  const api = useKernelApi();
  const [draft, setDraft] = useState<Search>({ q: '', capability: '', portal: '' });
  const [search, setSearch] = useState<Search>(draft);
  const catalog = useQuery(
    (signal) =>
      api.get<CatalogAnswer>('/admin/marketplace/plugins', {
        query: {
          q: search.q || undefined,
          capability: search.capability || undefined,
          portal: search.portal || undefined,
        },
        signal,
      }),
    [api, search],
  );
  const installed = useQuery(
    (signal) => api.get<{ items: InstalledPackage[] }>('/admin/installations', { signal }),
    [api],
  );
  const [action, setAction] = useState<Action | null>(null);
  const [said, setSaid] = useState<string | null>(null);

  const done = (message: string) => {
    setAction(null);
    setSaid(message);
    catalog.reload();
    installed.reload();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ ...draft });
  };

  return (
    <PageFrame title="Marketplace">
      <p>
        Plugins published to the configured registries. This kernel installs only packages whose files match their
        checksums and are signed by a publisher key it trusts, for a kernel range it is in, with the capabilities you
        approve. An installed plugin is off for every tenant until switched on on the tenant's page.
      </p>
      <p role="status" className="dm-field__hint">
        {said}
      </p>
      <PageSection title="Search the registries">
        <form className="dm-form" onSubmit={submit} aria-label="Search the registries">
          <TextField
            label="Words"
            value={draft.q}
            maxLength={200}
            onChange={(q) => setDraft({ ...draft, q })}
            hint="In the id, name or description."
          />
          <TextField
            label="Capability"
            value={draft.capability}
            maxLength={200}
            placeholder="egress"
            onChange={(capability) => setDraft({ ...draft, capability })}
            hint="Only plugins asking for it: db, egress, events.publish, ui: admin…"
          />
          <SelectField
            label="Screens in portal"
            value={draft.portal}
            options={PORTAL_OPTIONS}
            onChange={(portal) => setDraft({ ...draft, portal })}
          />
          <div className="dm-form__actions">
            <Button type="submit" variant="primary">
              Search
            </Button>
          </div>
        </form>
        {catalog.error ? (
          <ErrorNotice error={catalog.error} />
        ) : !catalog.data ? (
          <Loading label="Searching the registries" />
        ) : catalog.data.items.length === 0 ? (
          <p>No registry is configured (PLUGIN_REGISTRIES): install from a file with dotmac-plugin install.</p>
        ) : (
          catalog.data.items.map((registry) => (
            <CatalogTable
              key={registry.registry}
              registry={registry.registry}
              plugins={registry.items}
              onReview={(pluginId) => setAction({ kind: 'install', pluginId })}
            />
          ))
        )}
      </PageSection>
      {action?.kind === 'install' && (
        <PageSection title={`Review ${action.pluginId}`}>
          <InstallPreview
            key={action.pluginId}
            pluginId={action.pluginId}
            onCancel={() => setAction(null)}
            onInstalled={(i) =>
              done(
                `Installed ${i.installed.map((p) => `${p.pluginId} ${p.version}`).join(', ')}. Switch it on per tenant on the tenant's page.`,
              )
            }
          />
        </PageSection>
      )}
      <PageSection title="Installed packages">
        {installed.error ? (
          <ErrorNotice error={installed.error} />
        ) : !installed.data ? (
          <Loading label="Loading the installed packages" />
        ) : installed.data.items.length === 0 ? (
          <p>No plugin installed from a package yet: only the bundled ones run.</p>
        ) : (
          <InstalledTable
            packages={installed.data.items}
            onUpgrade={(pkg) => setAction({ kind: 'upgrade', pkg })}
            onUninstall={(pkg) => setAction({ kind: 'uninstall', pkg })}
          />
        )}
      </PageSection>
      {action?.kind === 'upgrade' && (
        <PageSection title={`Upgrade ${action.pkg.pluginId}`}>
          <PackageUpgrade
            key={action.pkg.pluginId}
            pkg={action.pkg}
            onCancel={() => setAction(null)}
            onUpgraded={(plan) => done(`Upgraded ${plan.pluginId} to ${plan.version}.`)}
          />
        </PageSection>
      )}
      {action?.kind === 'uninstall' && (
        <PageSection title={`Uninstall ${action.pkg.pluginId}`}>
          <PackageUninstall
            key={action.pkg.pluginId}
            pkg={action.pkg}
            onCancel={() => setAction(null)}
            onUninstalled={() => done(`Uninstalled ${action.pkg.pluginId}.`)}
          />
        </PageSection>
      )}
    </PageFrame>
  );
}

function CatalogTable(props: {
  readonly registry: string;
  readonly plugins: readonly CatalogPlugin[];
  readonly onReview: (pluginId: string) => void;
}) {
  if (props.plugins.length === 0) return <p>{props.registry} has no plugin that matches.</p>;
  return (
    <div className="dm-table-wrap">
      <table className="dm-table">
        <caption className="dm-table__caption">Plugins at {props.registry}</caption>
        <thead>
          <tr>
            <th scope="col">Plugin</th>
            <th scope="col">Publisher</th>
            <th scope="col">Latest</th>
            <th scope="col">Kernel</th>
            <th scope="col">Installed</th>
            <th scope="col" className="dm-cell--end">
              Downloads
            </th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.plugins.map((plugin) => (
            <tr key={plugin.id}>
              <th scope="row">
                {plugin.name} <code>{plugin.id}</code>
                <div className="dm-field__hint">{plugin.description}</div>
              </th>
              <td>{plugin.publisher}</td>
              <td>{plugin.latest}</td>
              <td>
                <code>{plugin.kernel}</code>{' '}
                <span className={`dm-badge dm-badge--${plugin.compatible ? 'positive' : 'negative'}`}>
                  {plugin.compatible ? 'Compatible' : 'Not compatible'}
                </span>
              </td>
              <td>{plugin.installed ?? '—'}</td>
              <td className="dm-cell--end">{plugin.downloads}</td>
              <td>
                {plugin.installed ? (
                  'See installed packages'
                ) : (
                  <Button onClick={() => props.onReview(plugin.id)}>
                    Review<span className="dm-visually-hidden"> {plugin.name}</span>
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InstalledTable(props: {
  readonly packages: readonly InstalledPackage[];
  readonly onUpgrade: (pkg: InstalledPackage) => void;
  readonly onUninstall: (pkg: InstalledPackage) => void;
}) {
  return (
    <div className="dm-table-wrap">
      <table className="dm-table">
        <caption className="dm-table__caption">Installed packages</caption>
        <thead>
          <tr>
            <th scope="col">Plugin</th>
            <th scope="col">Version</th>
            <th scope="col">Source</th>
            <th scope="col">Signed by</th>
            <th scope="col">Installed</th>
            <th scope="col">Warnings</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.packages.map((pkg) => (
            <tr key={pkg.pluginId}>
              <th scope="row">
                <code>{pkg.pluginId}</code>
              </th>
              <td>{pkg.version}</td>
              <td>{pkg.source === 'file' ? 'A package file' : pkg.source}</td>
              <td>
                {pkg.publisher}, key <code>{pkg.keyId}</code>
              </td>
              <td>
                <DateText value={pkg.installedAt} time />
              </td>
              <td>
                {pkg.warnings.length === 0 ? (
                  'None'
                ) : (
                  <ul className="dm-form__problems">
                    {pkg.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                <div className="dm-form__actions">
                  <Button onClick={() => props.onUpgrade(pkg)}>
                    Upgrade<span className="dm-visually-hidden"> {pkg.pluginId}</span>
                  </Button>
                  <Button variant="danger" onClick={() => props.onUninstall(pkg)}>
                    Uninstall<span className="dm-visually-hidden"> {pkg.pluginId}</span>
                  </Button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
