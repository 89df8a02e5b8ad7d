// The circuit breaker of one plugin version: too many faults in a sliding window open it, and
// only an explicit reset closes it again (a hostile or broken plugin should not retry itself back in).
import type { Clock } from '../../clock.ts';
import { ValidationError } from '../../errors.ts';

/** When the breaker opens: `faults` faults within `windowMs`. */
export interface BreakerPolicy {
  readonly faults: number;
  readonly windowMs: number;
}

/** Five faults in a minute. */
export const DEFAULT_BREAKER_POLICY: BreakerPolicy = { faults: 5, windowMs: 60_000 };

/** Counts faults in a sliding window; opens at the threshold and stays open until `reset()`. */
export class CircuitBreaker {
  /** Times (epoch ms) of the faults still inside the window, oldest first. */
  private faultTimes: number[] = [];
  private openedAt: Date | undefined;
  private lastFaultDetail: string | undefined;

  constructor(
    readonly policy: BreakerPolicy,
    private readonly clock: Clock,
  ) {
    const problems = [
      ...(Number.isInteger(policy.faults) && policy.faults >= 1
        ? []
        : [{ pointer: '/faults', detail: 'must be an integer of at least 1' }]),
      ...(policy.windowMs > 0 ? [] : [{ pointer: '/windowMs', detail: 'must be a positive number of milliseconds' }]),
    ];
    if (problems.length) throw new ValidationError('invalid circuit breaker policy', problems);
  }

  /** Records one fault. Returns true when this fault opened the breaker. */
  recordFault(detail: string): boolean {
    this.lastFaultDetail = detail;
    if (this.openedAt) return false;
    const now = this.clock.now().getTime();
    this.forgetBefore(now - this.policy.windowMs);
    this.faultTimes.push(now);
    if (this.faultTimes.length < this.policy.faults) return false;
    this.openedAt = new Date(now);
    return true;
  }

  /** Opens the breaker now, whatever the count (the isolate cannot be trusted any more). */
  trip(detail: string): void {
    this.lastFaultDetail = detail;
    this.openedAt ??= this.clock.now();
  }

  /** True while calls must fail fast. */
  get isOpen(): boolean {
    return this.openedAt !== undefined;
  }

  /** Closes the breaker and forgets past faults. */
  reset(): void {
    this.openedAt = undefined;
    this.faultTimes = [];
  }

  /** What the breaker shows in stats and in the error of a refused call. */
  snapshot(): BreakerSnapshot {
    this.forgetBefore(this.clock.now().getTime() - this.policy.windowMs);
    return {
      open: this.isOpen,
      recentFaults: this.faultTimes.length,
      openedAt: this.openedAt?.toISOString(),
      lastFault: this.lastFaultDetail,
    };
  }

  private forgetBefore(cutoff: number): void {
    if (this.openedAt) return; // keep the faults that opened it, for the record
    let drop = 0;
    while (drop < this.faultTimes.length && (this.faultTimes[drop] ?? 0) <= cutoff) drop++;
    if (drop) this.faultTimes = this.faultTimes.slice(drop);
  }
}

/** The breaker's state, as plain data. */
export interface BreakerSnapshot {
  readonly open: boolean;
  /** Faults inside the current window (while open: the faults that opened it). */
  readonly recentFaults: number;
  /** When it opened (ISO 8601), while open. */
  readonly openedAt: string | undefined;
  /** The last fault's description, if any fault was ever recorded. */
  readonly lastFault: string | undefined;
}
