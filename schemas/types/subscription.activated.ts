// Generated from schemas/events/subscription.activated.json by `npm run schemas:types`. Do not edit.

/**
 * A pending subscription was activated: the service runs from activatedAt, its billing cycles and its contract term start then.
 */
export interface SubscriptionActivated {
/**
 * The subscription.
 */
subscriptionId: string
/**
 * The customer account the service belongs to (dotmac.customers).
 */
accountId: string
/**
 * The account that pays for it: the account itself, or its parent billing account.
 */
payerId: string
/**
 * The account's currency, ISO 4217; every price here is in it.
 */
currency: string
/**
 * The subscription's status after this event.
 */
status: "active"
/**
 * The subscription's status before this event.
 */
previousStatus: "pending"
plan: SubscriptionPlan
/**
 * When the service started, the anchor of its billing cycles; null until it is activated.
 */
activatedAt: (string | null)
/**
 * When the minimum contract term ends; null without one.
 */
termEndsAt: (string | null)
/**
 * When the next billing cycle starts; null when the service is not running or is billed one-off.
 */
nextCycleAt: (string | null)
}
/**
 * The plan in force after this event.
 */
export interface SubscriptionPlan {
/**
 * The plan (dotmac.catalog).
 */
id: string
/**
 * The plan's code (FIBRE-100).
 */
code: string
/**
 * The plan's name, as customers see it.
 */
name: string
/**
 * What the plan sells (internet, voice, tv, …), as the catalog names it.
 */
kind: string
/**
 * The plan version the subscription is on; versions never change once published.
 */
version: number
/**
 * The price of one billing cycle in the account's currency, a decimal string (29.90).
 */
price: string
/**
 * The price of one billing cycle in every currency the plan is sold in, by ISO 4217 code.
 */
prices: {
/**
 * A decimal string.
 * 
 * This interface was referenced by `undefined`'s JSON-Schema definition
 * via the `patternProperty` "^[A-Z]{3}$".
 */
[k: string]: string
}
/**
 * How often the plan is billed.
 */
billingCycle: ("monthly" | "quarterly" | "yearly" | "one-off")
/**
 * prepaid: billed at the start of each cycle; postpaid: at its end.
 */
payment: ("prepaid" | "postpaid")
/**
 * The tax class billing applies, or null when the catalog names none.
 */
taxClass: (string | null)
/**
 * The minimum term, in months; 0 for none.
 */
contractMonths: number
/**
 * What ending the contract before its term costs, in the account's currency (a decimal string), or null for nothing.
 */
earlyTerminationFee: (string | null)
/**
 * The internet service of the plan (speeds, burst, data cap) exactly as dotmac.catalog describes it, or null for a plan without one.
 */
internet: ({
[k: string]: unknown
} | null)
}
