// What staff can do with one service, as its state allows (lifecycle.ts): activate, suspend,
// resume, change its plan (now, at the next cycle, or as the direction decides), cancel it
// (at the end of its term, or now). A refusal is shown beside the actions.
import { Button, ErrorNotice, useApi } from '@dotmac/ui';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ROW_STYLE } from './layout.tsx';
import type { PlanChoice } from './sellable-plans.ts';
import { commandsFor, planLabel, type Subscription } from './subscription.ts';

type ChangeWhen = '' | 'now' | 'next-cycle';
type CancelWhen = 'end-of-term' | 'now';

export function SubscriptionActions(props: {
  readonly subscription: Subscription;
  readonly plans: readonly PlanChoice[];
  readonly onChanged: () => void;
}): ReactNode {
  const api = useApi();
  const id = useId();
  const { subscription } = props;
  const can = commandsFor(subscription);
  const [error, setError] = useState<unknown>(undefined);
  const [newPlan, setNewPlan] = useState('');
  const [changeWhen, setChangeWhen] = useState<ChangeWhen>('');
  const [cancelWhen, setCancelWhen] = useState<CancelWhen>('end-of-term');

  const send = async (command: string, body: Record<string, unknown> = {}) => {
    setError(undefined);
    try {
      await api.post(`/subscriptions/${subscription.id}/${command}`, body);
      props.onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  const changePlan = (event: FormEvent) => {
    event.preventDefault();
    if (newPlan) void send('change-plan', { planId: newPlan, ...(changeWhen && { when: changeWhen }) });
  };
  const cancel = (event: FormEvent) => {
    event.preventDefault();
    void send('cancel', { when: cancelWhen });
  };

  if (!Object.values(can).some(Boolean)) return null;
  return (
    <details>
      <summary>Manage {planLabel(subscription.plan)}</summary>
      {error ? <ErrorNotice error={error} /> : null}
      <div style={ROW_STYLE}>
        {can.activate ? (
          <Button variant="primary" onClick={() => send('activate')}>
            Activate
          </Button>
        ) : null}
        {can.suspend ? <Button onClick={() => send('suspend', { reason: 'manual' })}>Suspend</Button> : null}
        {can.resume ? <Button onClick={() => send('resume', { reason: 'manual' })}>Resume</Button> : null}
      </div>
      {can.changePlan && props.plans.length > 0 ? (
        <form style={ROW_STYLE} onSubmit={changePlan}>
          <div className="dm-field">
            <label htmlFor={`${id}-plan`} className="dm-field__label">
              New plan
            </label>
            <select id={`${id}-plan`} value={newPlan} onChange={(event) => setNewPlan(event.target.value)}>
              <option value="">Choose a plan…</option>
              {props.plans.map((plan) => (
                <option key={plan.planId} value={plan.planId}>
                  {plan.label}
                </option>
              ))}
            </select>
          </div>
          <div className="dm-field">
            <label htmlFor={`${id}-change-when`} className="dm-field__label">
              Change when
            </label>
            <select
              id={`${id}-change-when`}
              value={changeWhen}
              onChange={(event) => setChangeWhen(event.target.value as ChangeWhen)}
            >
              <option value="">Upgrade now, downgrade at the next cycle</option>
              <option value="now">Now</option>
              <option value="next-cycle">At the next billing cycle</option>
            </select>
          </div>
          <Button type="submit" disabled={!newPlan}>
            Change plan
          </Button>
        </form>
      ) : null}
      {can.cancel ? (
        <form style={ROW_STYLE} onSubmit={cancel}>
          <div className="dm-field">
            <label htmlFor={`${id}-cancel-when`} className="dm-field__label">
              Cancel when
            </label>
            <select
              id={`${id}-cancel-when`}
              value={cancelWhen}
              onChange={(event) => setCancelWhen(event.target.value as CancelWhen)}
            >
              <option value="end-of-term">At the end of the term</option>
              <option value="now">Now</option>
            </select>
          </div>
          <Button type="submit" variant="danger">
            Cancel service
          </Button>
        </form>
      ) : null}
    </details>
  );
}
