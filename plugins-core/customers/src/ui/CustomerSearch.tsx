// The search box and status filter above a list of customers: a search is sent on submit, a
// status as soon as it is chosen.
import { Button } from '@dotmac/ui';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { AccountStatus } from './account.ts';
import { TOOLBAR_STYLE } from './layout.tsx';

/** What a list of customers is narrowed to. */
export interface CustomerFilter {
  readonly q: string;
  readonly status: AccountStatus | '';
}

export const NO_FILTER: CustomerFilter = { q: '', status: '' };

const STATUS_CHOICES: readonly { readonly value: AccountStatus | ''; readonly label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'lead', label: 'Lead' },
  { value: 'active', label: 'Active' },
  { value: 'suspended', label: 'Suspended' },
  { value: 'terminated', label: 'Terminated' },
];

/** The query GET /accounts takes for `filter` (empty fields left out). */
export function filterQuery(filter: CustomerFilter): { q?: string; status?: AccountStatus } {
  const q = filter.q.trim();
  return { ...(q && { q }), ...(filter.status && { status: filter.status }) };
}

export function CustomerSearch(props: {
  readonly filter: CustomerFilter;
  readonly onChange: (filter: CustomerFilter) => void;
  /** Hide the status filter (the technician's search). */
  readonly withStatus?: boolean;
}): ReactNode {
  const id = useId();
  const [q, setQ] = useState(props.filter.q);
  const search = (event: FormEvent) => {
    event.preventDefault();
    props.onChange({ ...props.filter, q });
  };
  return (
    <search aria-label="Find customers">
      <form onSubmit={search} style={TOOLBAR_STYLE}>
        <div className="dm-field">
          <label htmlFor={`${id}-q`} className="dm-field__label">
            Search customers
          </label>
          <input
            id={`${id}-q`}
            type="search"
            value={q}
            placeholder="Name, number, email, phone or street"
            onChange={(event) => setQ(event.target.value)}
          />
        </div>
        {props.withStatus === false ? null : (
          <div className="dm-field">
            <label htmlFor={`${id}-status`} className="dm-field__label">
              Status
            </label>
            <select
              id={`${id}-status`}
              value={props.filter.status}
              onChange={(event) => props.onChange({ q, status: event.target.value as AccountStatus | '' })}
            >
              {STATUS_CHOICES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <Button type="submit">Search</Button>
      </form>
    </search>
  );
}
