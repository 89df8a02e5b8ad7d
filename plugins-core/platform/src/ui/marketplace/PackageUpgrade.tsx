// Upgrades an installed package to the newest version that fits this kernel, with the
// capabilities that version asks for ticked one by one (the kernel's preview of an installed plugin).
import { ApiError, Button, ErrorNotice, Loading, useKernelApi, useQuery } from '@dotmac/ui';
import { useState } from 'react';
import { CapabilityChecklist } from './CapabilityChecklist.tsx';
import { allApproved, type InstalledPackage, type InstallPlan } from './marketplace.ts';

export interface PackageUpgradeProps {
  readonly pkg: InstalledPackage;
  readonly onUpgraded: (plan: InstallPlan) => void;
  readonly onCancel: () => void;
}

export function PackageUpgrade({ pkg, onUpgraded, onCancel }: PackageUpgradeProps) {
  const api = useKernelApi();
  // The kernel's preview of an installed plugin is its upgrade: the newest fitting version
  // above the installed one, verified and signed-by, with what it asks for.
  const offer = useQuery(
    (signal) =>
      api.post<InstallPlan>('/admin/installations/preview', { pluginId: pkg.pluginId }, { signal }).catch((e) => {
        if (e instanceof ApiError && e.status === 409) return null; // nothing newer fits this kernel
        throw e;
      }),
    [api, pkg.pluginId],
  );
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>();

  if (offer.error) return <ErrorNotice error={offer.error} />;
  if (offer.data === undefined) return <Loading label={`Looking for a newer ${pkg.pluginId}`} />;
  const plan = offer.data;
  if (!plan) {
    return (
      <>
        <p>No newer version of {pkg.pluginId} fits this kernel: nothing to upgrade to.</p>
        <Button onClick={onCancel}>Close</Button>
      </>
    );
  }

  const upgrade = async () => {
    setError(undefined);
    try {
      onUpgraded(
        await api.post<InstallPlan>(`/admin/installations/${encodeURIComponent(pkg.pluginId)}/upgrade`, {
          version: plan.version,
          approvedCapabilities: plan.capabilities.filter((c) => ticked.has(c)),
        }),
      );
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="dm-form">
      <p>
        {pkg.pluginId} {pkg.version} → {plan.version}, signed by {plan.publisher} (key {plan.keyId}). Its migrations run
        in one transaction; if one or the new version fails, {pkg.version} keeps serving.
      </p>
      {plan.notices.map((n) => (
        <p key={n}>{n}</p>
      ))}
      <CapabilityChecklist
        capabilities={plan.capabilities}
        had={pkg.capabilities}
        ticked={ticked}
        onChange={setTicked}
      />
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="dm-form__actions">
        <Button variant="primary" onClick={upgrade} disabled={!allApproved(plan.capabilities, ticked)}>
          {`Upgrade ${pkg.pluginId} to ${plan.version}`}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </div>
  );
}
