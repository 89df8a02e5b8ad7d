// The create-plan form: POST /plans's body schema (schemas/new-plan.json) laid out for people —
// one price in one currency, the two speeds of an internet plan — and turned back into the body,
// with the server's field problems pointed at the form's fields.
import { ApiError, type JsonSchema } from '@dotmac/ui';
import newPlan from '../../schemas/new-plan.json' with { type: 'json' };

const field = newPlan.properties;
const internet = field.internet.properties;
const AMOUNT = field.prices.additionalProperties;

/** The form's fields for a tenant whose currency is `currency`. */
export function newPlanSchema(currency: string): JsonSchema {
  return {
    type: 'object',
    required: ['code', 'name', 'kind', 'currency', 'price'],
    properties: {
      name: { ...field.name, 'x-label': 'Name' },
      code: { ...field.code, 'x-label': 'Code' },
      kind: { ...field.kind, default: 'internet', 'x-label': 'Kind' },
      description: { ...field.description, 'x-label': 'Description', 'x-widget': 'textarea' },
      price: {
        ...AMOUNT,
        'x-label': 'Price',
        'x-widget': 'money',
        description: 'The price of one billing cycle, e.g. 29.99.',
      },
      currency: {
        type: 'string',
        pattern: '^[A-Z]{3}$',
        default: currency,
        'x-label': 'Currency',
        description: 'ISO 4217 code (USD, EUR, NGN).',
      },
      billingCycle: {
        ...field.billingCycle,
        default: 'monthly',
        'x-label': 'Billing cycle',
        description: 'How often the price is charged (one-off items: once).',
      },
      payment: {
        ...field.payment,
        default: 'postpaid',
        'x-label': 'Payment',
        description: 'prepaid: charged before the cycle it pays for; postpaid: after.',
      },
      contractMonths: {
        ...field.contractMonths,
        default: 0,
        'x-label': 'Contract (months)',
        description: 'Minimum term; 0 for none.',
      },
      internet: {
        type: 'object',
        'x-label': 'Internet speeds',
        description: 'For internet plans (required for them).',
        required: ['downloadKbps', 'uploadKbps'],
        properties: {
          downloadKbps: { ...internet.downloadKbps, 'x-label': 'Download (kbit/s)' },
          uploadKbps: { ...internet.uploadKbps, 'x-label': 'Upload (kbit/s)' },
        },
      },
      visible: {
        ...field.visible,
        default: true,
        'x-label': 'For sale',
        description: 'Offered for new subscriptions.',
      },
    },
  };
}

/** What the form submits. */
export interface NewPlanValues {
  readonly name: string;
  readonly code: string;
  readonly kind: string;
  readonly description?: string;
  readonly price: string;
  readonly currency: string;
  readonly billingCycle?: string;
  readonly payment?: string;
  readonly contractMonths?: number;
  readonly internet?: { readonly downloadKbps?: number; readonly uploadKbps?: number };
  readonly visible?: boolean;
}

/** POST /plans's body: the price as the prices map; a one-off item billed one-off. */
export function newPlanBody(values: NewPlanValues): Record<string, unknown> {
  const { price, currency, internet: speeds, billingCycle, ...plan } = values;
  return {
    ...plan,
    prices: { [currency]: price },
    billingCycle: values.kind === 'one-off' ? 'one-off' : billingCycle,
    ...(speeds && { internet: speeds }),
  };
}

/** The form field a body pointer names: /body/prices/USD → /body/price, /body/internet → its download speed. */
export function formPointer(pointer: string): string {
  if (/^\/body\/prices(\/|$)/.test(pointer)) return '/body/price';
  if (pointer === '/body/internet') return '/body/internet/downloadKbps';
  return pointer;
}

/** The server's refusal with its field problems pointed at the form's fields. */
export function asFormError(error: unknown): unknown {
  if (!(error instanceof ApiError) || !error.problem.errors) return error;
  return new ApiError({
    ...error.problem,
    errors: error.problem.errors.map((problem) => ({ ...problem, pointer: formPointer(problem.pointer) })),
  });
}
