/**
 * End-to-end lag of the dashboard: the age of the oldest published file whose events are not all applied
 * yet, judged by count: with `applied` distinct events in the DB, every file whose cumulative distinct-event
 * count exceeds `applied` is still (partly) unapplied. 0 when everything published is applied.
 * (kinesalite always reports MillisBehindLatest 0, so the consumer's own lag figure says nothing here.)
 */
export function endToEndLagMs(cumulativeDistinct: readonly number[], publishedAt: readonly (number | undefined)[], applied: number, now: number): number {
  for (let i = 0; i < cumulativeDistinct.length; i++) {
    const at = publishedAt[i];
    if (at === undefined) return 0; // not published yet: nothing older is pending
    if (cumulativeDistinct[i]! > applied) return Math.max(0, now - at);
  }
  return 0;
}
