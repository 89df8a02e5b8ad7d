// Ordering a service for a customer: a plan for sale in the account's currency, and the day the
// service starts — today by default, a past day too; left empty, the subscription waits
// (pending) to be activated later, e.g. once the installation is done.
import { ApiError, Button, ErrorNotice, useApi } from '@dotmac/ui';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { PlanChoice } from './sellable-plans.ts';
import type { Subscription } from './subscription.ts';

/** A day as an <input type="date"> holds it (YYYY-MM-DD), in the browser's time zone. */
function dayOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The activation body for a start day: now for today, else midnight of that day (browser's time zone). */
function activationFor(day: string, today: string): { at?: string } {
  if (day === today) return {};
  const [year, month, date] = day.split('-').map(Number);
  return { at: new Date(year ?? 0, (month ?? 1) - 1, date ?? 1).toISOString() };
}

export function NewSubscriptionForm(props: {
  readonly accountId: string;
  readonly plans: readonly PlanChoice[];
  readonly onCreated: () => void;
}): ReactNode {
  const api = useApi();
  const id = useId();
  const today = dayOf(new Date());
  const [planId, setPlanId] = useState('');
  const [startDay, setStartDay] = useState(today);
  const [problems, setProblems] = useState<Readonly<Record<string, string>>>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!planId) found.planId = 'Choose a plan.';
    if (startDay && startDay > today) found.startDay = 'The start date cannot be in the future.';
    setProblems(found);
    setError(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const ordered = await api.post<Subscription>('/subscriptions', { accountId: props.accountId, planId });
      if (startDay) {
        try {
          await api.post(`/subscriptions/${ordered.id}/activate`, activationFor(startDay, today));
        } catch (failure) {
          setError(failure);
          props.onCreated();
          return;
        }
      }
      setPlanId('');
      setStartDay(today);
      props.onCreated();
    } catch (failure) {
      if (failure instanceof ApiError) {
        const fields = failure.fieldErrors();
        setProblems(fields.planId ? { planId: fields.planId } : {});
      }
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const planProblem = problems.planId;
  const dayProblem = problems.startDay;
  return (
    <form id="new-subscription" className="dm-form" noValidate onSubmit={submit} aria-busy={busy || undefined}>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="dm-field">
        <label htmlFor={`${id}-plan`} className="dm-field__label">
          Plan
        </label>
        <select
          id={`${id}-plan`}
          value={planId}
          required
          aria-invalid={planProblem ? true : undefined}
          aria-describedby={planProblem ? `${id}-plan-problem` : undefined}
          onChange={(event) => setPlanId(event.target.value)}
        >
          <option value="">Choose a plan…</option>
          {props.plans.map((plan) => (
            <option key={plan.planId} value={plan.planId}>
              {plan.label}
            </option>
          ))}
        </select>
        {planProblem ? (
          <p id={`${id}-plan-problem`} className="dm-field__problem">
            {planProblem}
          </p>
        ) : null}
      </div>
      <div className="dm-field">
        <label htmlFor={`${id}-start`} className="dm-field__label">
          Start date
        </label>
        <input
          id={`${id}-start`}
          type="date"
          value={startDay}
          max={today}
          aria-invalid={dayProblem ? true : undefined}
          aria-describedby={`${id}-start-hint${dayProblem ? ` ${id}-start-problem` : ''}`}
          onChange={(event) => setStartDay(event.target.value)}
        />
        <p id={`${id}-start-hint`} className="dm-field__hint">
          The service runs and is billed from this day. Leave it empty to activate the service later.
        </p>
        {dayProblem ? (
          <p id={`${id}-start-problem`} className="dm-field__problem">
            {dayProblem}
          </p>
        ) : null}
      </div>
      <div className="dm-form__actions">
        <Button type="submit" variant="primary" disabled={busy}>
          Create subscription
        </Button>
      </div>
    </form>
  );
}
