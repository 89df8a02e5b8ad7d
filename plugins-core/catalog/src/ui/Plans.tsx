// The admin portal's plans page (/plans): the plans with their speeds, prices per currency and
// whether they are for sale, a search, and (with the write permission) the create-plan form.
import {
  Button,
  type Column,
  DataTable,
  Link,
  PageFrame,
  SchemaForm,
  StatusBadge,
  useApi,
  useCan,
  useNavigate,
  useTenant,
} from '@dotmac/ui';
import { type FormEvent, type ReactNode, useId, useMemo, useState } from 'react';
import { ROW_STYLE } from './layout.tsx';
import { asFormError, type NewPlanValues, newPlanBody, newPlanSchema } from './new-plan-form.ts';
import { PlanPrices } from './PlanPrices.tsx';
import { CAN_WRITE, type Plan, planStatus, speeds } from './plan.ts';

const COLUMNS: readonly Column<Plan>[] = [
  { key: 'name', header: 'Name', render: (p) => <Link to={`/plans/${p.id}`}>{p.name}</Link> },
  { key: 'code', header: 'Code' },
  { key: 'kind', header: 'Kind' },
  { key: 'speeds', header: 'Speeds', render: (p) => speeds(p.current) },
  { key: 'prices', header: 'Price', render: (p) => <PlanPrices version={p.current} /> },
  { key: 'status', header: 'Status', render: (p) => <StatusBadge status={planStatus(p)} /> },
];

function NewPlan(): ReactNode {
  const api = useApi();
  const navigate = useNavigate();
  const currency = useTenant()?.currency ?? 'USD';
  const schema = useMemo(() => newPlanSchema(currency), [currency]);
  const create = async (values: NewPlanValues) => {
    let created: Plan;
    try {
      created = await api.post<Plan>('/plans', newPlanBody(values));
    } catch (error) {
      throw asFormError(error);
    }
    navigate(`/plans/${created.id}`);
  };
  return (
    <details>
      <summary>New plan</summary>
      <SchemaForm<NewPlanValues> id="new-plan" schema={schema} onSubmit={create} submitLabel="Create plan" />
    </details>
  );
}

export default function Plans(): ReactNode {
  const api = useApi();
  const id = useId();
  const canCreate = useCan(CAN_WRITE);
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [withHidden, setWithHidden] = useState(true);
  const search = (event: FormEvent) => {
    event.preventDefault();
    setQ(typed.trim());
  };
  return (
    <PageFrame title="Plans">
      {canCreate ? <NewPlan /> : null}
      <search aria-label="Find plans">
        <form onSubmit={search} style={ROW_STYLE}>
          <div className="dm-field">
            <label htmlFor={`${id}-q`} className="dm-field__label">
              Search plans
            </label>
            <input
              id={`${id}-q`}
              type="search"
              value={typed}
              placeholder="Name or code"
              onChange={(event) => setTyped(event.target.value)}
            />
          </div>
          <div className="dm-field dm-field--checkbox">
            <input
              id={`${id}-hidden`}
              type="checkbox"
              checked={withHidden}
              onChange={(event) => setWithHidden(event.target.checked)}
            />
            <label htmlFor={`${id}-hidden`}>Include plans hidden from sale</label>
          </div>
          <Button type="submit">Search</Button>
        </form>
      </search>
      <DataTable
        caption="Plans"
        columns={COLUMNS}
        rowKey={(p) => p.id}
        reloadKey={`${q}|${withHidden}`}
        empty="No plan matches."
        load={(cursor, pageSize, signal) =>
          api.get('/plans', {
            query: {
              ...(q && { q }),
              ...(!withHidden && { visible: true }),
              sort: 'name',
              limit: pageSize,
              ...(cursor && { cursor }),
            },
            signal,
          })
        }
      />
    </PageFrame>
  );
}
