// A price change: a new version of the plan with new prices (one per currency it is sold in),
// in force from a day, for new subscriptions only or for existing subscribers too after notice
// (POST /plans/:planId/versions, schemas/new-version.json).
import { type JsonSchema, SchemaForm, useApi } from '@dotmac/ui';
import { type ReactNode, useMemo } from 'react';
import newVersion from '../../schemas/new-version.json' with { type: 'json' };
import type { PlanVersion } from './plan.ts';

const field = newVersion.properties;

function versionSchema(latest: PlanVersion): JsonSchema {
  const currencies = Object.keys(latest.prices).sort();
  return {
    type: 'object',
    required: ['prices'],
    properties: {
      prices: {
        type: 'object',
        'x-label': 'New prices',
        description: `The price of one billing cycle in each currency the plan is sold in.`,
        required: currencies,
        properties: Object.fromEntries(
          currencies.map((currency) => [
            currency,
            {
              ...field.prices.additionalProperties,
              default: latest.prices[currency],
              'x-label': currency,
              'x-widget': 'money',
            },
          ]),
        ),
      },
      effectiveFrom: {
        type: 'string',
        'x-widget': 'date',
        'x-label': 'In force from',
        description: 'Empty: now (plus the notice).',
      },
      noticeDays: {
        ...field.noticeDays,
        'x-label': 'Notice (days)',
        description: 'Days of notice subscribers get; for existing subscribers at least what the ISP requires.',
      },
      applyToExisting: {
        ...field.applyToExisting,
        'x-label': 'Apply to existing subscribers',
        description:
          'Move the current subscribers to the new price from that day; otherwise only new subscriptions get it.',
      },
    },
  };
}

interface NewVersionValues {
  readonly prices: Readonly<Record<string, string>>;
  readonly effectiveFrom?: string;
  readonly noticeDays?: number;
  readonly applyToExisting?: boolean;
}

/** A day (YYYY-MM-DD) as the instant it starts in the browser's time zone. */
function startOfDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year ?? 0, (month ?? 1) - 1, date ?? 1).toISOString();
}

export function NewVersionForm(props: {
  readonly planId: string;
  readonly latest: PlanVersion;
  readonly onCreated: () => void;
}): ReactNode {
  const api = useApi();
  const schema = useMemo(() => versionSchema(props.latest), [props.latest]);
  const create = async (values: NewVersionValues) => {
    const { effectiveFrom, ...rest } = values;
    await api.post(`/plans/${props.planId}/versions`, {
      ...rest,
      ...(effectiveFrom && { effectiveFrom: startOfDay(effectiveFrom) }),
    });
    props.onCreated();
  };
  return (
    <SchemaForm<NewVersionValues>
      key={props.latest.version}
      id="new-plan-version"
      schema={schema}
      onSubmit={create}
      submitLabel="Create version"
    />
  );
}
