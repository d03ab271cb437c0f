// The fault mix's attribution (bench/soak-faults.mjs): why a normal request failed, or waited, judged from what the
// bench knows happened meanwhile: which worker its connection was on (X-Worker of its previous answer; null on a
// new connection), when workers died and why, which worker held a stuck request, which served a slow client.

/** A normal request slower than this waited on something. */
export const SLOW_MS = 1000;
/** A death is seen by clients a little before or after the bench notes it. */
const TOLERANCE_MS = 2000;

/** Failures the targets allow: the requests in flight or queued on a worker that died, or queued behind a stuck one. */
const LOST_WITH = {
  "the bench's SIGKILL": 'lost with a worker the bench SIGKILLed (in flight or queued on it)',
  'the crash route': 'lost with a worker the crash route killed (in flight or queued on it)',
};
const QUEUED_BEHIND_STUCK = '503, queued behind a stuck request';
/**
 * Not allowed: a request sent on a connection kept alive by the 503 of a worker leaving after a stuck request, which
 * then closes its idle connections: the request was never queued behind the stuck one.
 */
const CLOSED_BY_STUCK =
  'no answer: sent after a 503 "restarting" on its keep-alive connection, closed as idle by the leaving worker';

const overlaps = (a, b) => a.from <= b.to && b.from <= a.to;

/**
 * The death that took the request's connection: its worker's, or on a new connection any worker's meanwhile. A death
 * at a known moment (SIGKILL, the crash route) comes before the span of a worker leaving after a stuck request.
 */
function deathOf(request, deaths) {
  const span = { from: request.started, to: request.ended };
  const matches = deaths.filter(
    (death) =>
      (request.pid === null || death.pid === request.pid) &&
      overlaps(span, { from: death.from - TOLERANCE_MS, to: death.to + TOLERANCE_MS }),
  );
  return matches.find((death) => death.cause !== 'the stuck route') ?? matches[0] ?? null;
}

/** The kinds of slow or non-reading client the request's worker served while it waited. */
function slowClientsOf(request, busy) {
  if (request.pid === null) return [];
  const span = { from: request.started, to: request.ended };
  const kinds = busy
    .filter((window) => window.pid === request.pid && overlaps(span, window))
    .map((window) => window.kind);
  return [...new Set(kinds)].sort();
}

/**
 * Failed normal requests: `expected` counts those the targets allow, by cause; `unexpected` counts the rest (the
 * named cause, and `otherLines`: everything else by error, with the slow clients their worker served).
 */
export function classifyFailures(failed, deaths, busy) {
  const expected = Object.fromEntries([...Object.values(LOST_WITH), QUEUED_BEHIND_STUCK].map((cause) => [cause, 0]));
  let closedByStuck = 0;
  const lines = {};
  for (const request of failed) {
    if (/^503 .*restarting/.test(request.error)) {
      expected[QUEUED_BEHIND_STUCK]++;
      continue;
    }
    const noAnswer = !/^\d{3} /.test(request.error) && !request.error.startsWith('no answer within');
    const death = noAnswer ? deathOf(request, deaths) : null;
    if (death && death.cause === 'the stuck route') closedByStuck++;
    else if (death) expected[LOST_WITH[death.cause]]++;
    else {
      const served = slowClientsOf(request, busy);
      const line = `${request.error}${served.length ? ` (its worker served: ${served.join(' + ')})` : ''}`;
      lines[line] = (lines[line] ?? 0) + 1;
    }
  }
  const otherLines = Object.entries(lines).map(([line, count]) => `${count} × ${line}`);
  const unexpected = {
    [CLOSED_BY_STUCK]: closedByStuck,
    'anything else': Object.values(lines).reduce((a, b) => a + b, 0),
  };
  return { expected, unexpected, otherLines };
}

/**
 * Normal requests that waited more than SLOW_MS for their answer or their failure, by what explains it: a stuck request
 * on their worker, a new connection while workers were replaced, their worker dying, or a slow or non-reading client
 * their worker served meanwhile (`servedSlowClient`, also by kind when only one kind was on that worker), or nothing
 * the bench knows of. Each entry: { count, longestMs }.
 */
export function classifyWaits(normal, deaths, busy, stucks, kinds) {
  const stuckWindows = stucks
    .filter((stuck) => stuck.pid !== null)
    .map((stuck) => ({ pid: stuck.pid, from: stuck.sentAt, to: stuck.sentAt + stuck.ms }));
  const entry = () => ({ count: 0, longestMs: 0 });
  const causes = {};
  const servedSlowClient = {
    ...entry(),
    alone: Object.fromEntries(kinds.map((kind) => [kind, entry()])),
    severalKinds: entry(),
  };
  const note = (target, ms) => {
    target.count++;
    target.longestMs = Math.max(target.longestMs, ms);
  };
  const requests = [
    ...normal.answered.map(([pid, started, ms, fresh]) => ({ pid, started, ended: started + Math.round(ms), fresh })),
    ...normal.failed,
  ];
  for (const request of requests) {
    const ms = request.ended - request.started;
    if (ms <= SLOW_MS) continue;
    const span = { from: request.started, to: request.ended };
    const served = slowClientsOf(request, busy);
    if (stuckWindows.some((stuck) => stuck.pid === request.pid && overlaps(span, stuck)))
      note((causes['a stuck request held its worker'] ??= entry()), ms);
    else if (request.fresh && deathOf({ ...request, pid: null }, deaths))
      note((causes['a new connection, while workers were replaced'] ??= entry()), ms);
    else if (served.length) {
      note(servedSlowClient, ms);
      note(served.length === 1 ? servedSlowClient.alone[served[0]] : servedSlowClient.severalKinds, ms);
    } else if (deathOf(request, deaths)) note((causes['its worker died'] ??= entry()), ms);
    else note((causes['nothing the bench knows of'] ??= entry()), ms);
  }
  return { causes, servedSlowClient };
}

/** What became of a slow or non-reading client (slowClient()'s result; `whole`: the size of its whole answer). */
export function slowClientOutcome(result, whole, deaths) {
  if (!result.statusLine.startsWith('HTTP/1.1 200')) return `answered ${result.statusLine || 'nothing'}`;
  const died = deathOf({ pid: result.pid, started: result.headAt, ended: result.endedAt }, deaths);
  if (died) return 'its worker died or left under it';
  if (result.endedEarly) return 'closed while it held it, no worker death known';
  return result.bytes < whole ? 'dropped by the server' : 'kept: the rest came once it read';
}
