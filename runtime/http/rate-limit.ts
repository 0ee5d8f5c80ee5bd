/**
 * Token bucket per write key, in events. Per replica by design (DESIGN: stateless replicas): N
 * replicas behind a balancer allow N × the rate; size `ratePerSecond` for one replica's share.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes `cost` tokens, or returns the seconds to wait until they are there. */
  take(app: string, cost: number, ratePerSecond: number, burst: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const b = this.buckets.get(app) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * ratePerSecond);
    b.at = t;
    this.buckets.set(app, b);
    // a batch larger than the burst needs a full bucket, never more (it would wait forever)
    const need = Math.min(cost, burst);
    if (need <= b.tokens) {
      b.tokens -= need;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((need - b.tokens) / ratePerSecond)) };
  }
}
