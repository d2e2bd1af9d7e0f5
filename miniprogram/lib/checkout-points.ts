/**
 * Points at checkout, without `wx`. The shopper does not see the operator's points rules (how much a point is
 * worth, the share of an order points may pay), so the checkout asks for the whole balance and, when the gateway
 * answers POINTS_OVER_LIMIT with the most this order allows (`details.maxPoints`), asks for that instead. What
 * the points took off is read from the order the gateway made.
 */

/** Points the next checkout asks to spend: none, or the balance capped by what the gateway said this order allows. */
export function pointsToRequest(balance: number, use: boolean, maxForOrder: number | null): number {
  if (!use || balance <= 0) return 0;
  return maxForOrder === null ? balance : Math.max(0, Math.min(balance, maxForOrder));
}

/** The most points the order may use, from a POINTS_OVER_LIMIT refusal's details; null when absent. */
export function maxPointsOf(details: unknown): number | null {
  if (typeof details === 'object' && details !== null && 'maxPoints' in details) {
    const max = Number(details.maxPoints);
    return Number.isInteger(max) && max >= 0 ? max : null;
  }
  return null;
}
