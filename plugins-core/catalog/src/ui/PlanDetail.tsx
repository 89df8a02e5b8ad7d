// A plan's page (/plans/:id, admin portal): what it sells, whether it is for sale (staff may hide
// it or put it back), and its versions — the price and spec history, what is scheduled — with a
// form for a price change.
import {
  Button,
  type ContributionProps,
  DateText,
  ErrorNotice,
  Loading,
  PageFrame,
  StatusBadge,
  useApi,
  useCan,
  useQuery,
} from '@dotmac/ui';
import { type ReactNode, useState } from 'react';
import { Facts } from './layout.tsx';
import { NewVersionForm } from './NewVersionForm.tsx';
import { PlanPrices } from './PlanPrices.tsx';
import { CAN_WRITE, type Plan, type PlanVersion, planStatus, speeds } from './plan.ts';

function Versions(props: {
  readonly planId: string;
  readonly versions: readonly PlanVersion[];
  readonly canWrite: boolean;
  readonly onChanged: () => void;
}): ReactNode {
  const api = useApi();
  const [error, setError] = useState<unknown>(undefined);
  const cancel = async (version: PlanVersion) => {
    setError(undefined);
    try {
      await api.post(`/plans/${props.planId}/versions/${version.version}/cancel`);
      props.onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="dm-table-wrap">
        <table className="dm-table">
          <caption className="dm-table__caption">Versions, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">In force from</th>
              <th scope="col">Price</th>
              <th scope="col">Payment</th>
              <th scope="col">Contract</th>
              <th scope="col">Speeds</th>
              <th scope="col">Existing subscribers</th>
              {props.canWrite ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {props.versions.map((version) => (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>
                  <StatusBadge status={version.status} />
                </td>
                <td>
                  <DateText value={version.effectiveFrom} time />
                </td>
                <td>
                  <PlanPrices version={version} />
                </td>
                <td>{version.payment}</td>
                <td>{version.contractMonths > 0 ? `${version.contractMonths} months` : 'None'}</td>
                <td>{speeds(version)}</td>
                <td>
                  {version.appliesToExisting ? `Moved, ${version.noticeDays} days' notice` : 'Keep their version'}
                </td>
                {props.canWrite ? (
                  <td>
                    {version.status === 'scheduled' ? (
                      <Button variant="danger" onClick={() => cancel(version)}>
                        Cancel version {version.version}
                      </Button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export default function PlanDetail(props: ContributionProps): ReactNode {
  const api = useApi();
  const canWrite = useCan(CAN_WRITE);
  const planId = props.params.id ?? '';
  const [error, setError] = useState<unknown>(undefined);
  const plan = useQuery((signal) => api.get<Plan>(`/plans/${encodeURIComponent(planId)}`, { signal }), [planId]);
  const versions = useQuery(
    (signal) => api.get<{ items: PlanVersion[] }>(`/plans/${encodeURIComponent(planId)}/versions`, { signal }),
    [planId],
  );
  const reload = () => {
    plan.reload();
    versions.reload();
  };
  const setVisible = async (visible: boolean) => {
    setError(undefined);
    try {
      await api.patch(`/plans/${encodeURIComponent(planId)}`, { visible });
      reload();
    } catch (failure) {
      setError(failure);
    }
  };
  if (!plan.data) {
    return (
      <PageFrame title="Plan">
        {plan.error ? <ErrorNotice error={plan.error} /> : <Loading label="Loading the plan" />}
      </PageFrame>
    );
  }
  const p = plan.data;
  const live = (versions.data?.items ?? []).filter((v) => v.status !== 'cancelled' && v.status !== 'superseded');
  const latest = live.at(-1) ?? p.current;
  return (
    <PageFrame
      title={p.name}
      actions={
        canWrite ? (
          <Button onClick={() => setVisible(!p.visible)}>{p.visible ? 'Hide from sale' : 'Put on sale'}</Button>
        ) : undefined
      }
    >
      {error ? <ErrorNotice error={error} /> : null}
      <Facts>
        <dt>Code</dt>
        <dd>{p.code}</dd>
        <dt>Kind</dt>
        <dd>{p.kind}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={planStatus(p)} />
        </dd>
        <dt>Price now</dt>
        <dd>
          <PlanPrices version={p.current} />
        </dd>
        <dt>Speeds</dt>
        <dd>{speeds(p.current)}</dd>
        {p.description ? (
          <>
            <dt>Description</dt>
            <dd>{p.description}</dd>
          </>
        ) : null}
      </Facts>
      <section aria-labelledby="plan-versions-heading">
        <h2 id="plan-versions-heading">Versions</h2>
        {versions.error ? <ErrorNotice error={versions.error} /> : null}
        {versions.data ? (
          <Versions planId={p.id} versions={versions.data.items} canWrite={canWrite} onChanged={reload} />
        ) : (
          <Loading label="Loading the versions" />
        )}
      </section>
      {canWrite && latest ? (
        <section aria-labelledby="plan-new-version-heading">
          <h2 id="plan-new-version-heading">Change the price</h2>
          <NewVersionForm planId={p.id} latest={latest} onCreated={reload} />
        </section>
      ) : null}
    </PageFrame>
  );
}
