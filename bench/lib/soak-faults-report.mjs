// What the fault mix (bench/soak-faults.mjs) prints: the normal requests that failed and those that waited, by cause;
// each fault's outcomes; RSS at the start and the end; PASS / FAIL for each target. Returns what the targets judged.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { SLOW_MS } from './soak-faults-causes.mjs';

const mb = (bytes) => (bytes / 1048576).toFixed(1);
const seconds = (ms) => (ms / 1000).toFixed(1);
const verdict = (pass) => (pass ? 'PASS' : 'FAIL');
/** "3 answered 504, 1 connection closed with no answer" */
const counted = (outcomes) =>
  Object.entries(outcomes.reduce((all, o) => ({ ...all, [o]: (all[o] ?? 0) + 1 }), {}))
    .map(([o, n]) => `${n} ${o}`)
    .join(', ') || 'none';

function checkout(repo) {
  const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes in the checkout' : ''}`;
}

export function printReport(run) {
  const { normal, failures, waits, before, after } = run;
  const latencies = normal.answered.map(([, , ms]) => ms).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  console.log(`soak, fault mix — ${run.seconds} s against 2 workers (${run.settings.join(' ')})`);
  console.log(
    `machine: ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ephpm ${checkout(run.repo)}`,
  );
  console.log('');
  console.log(
    `normal traffic: ${run.normalClients} keep-alive clients on /hello, ${normal.answered.length} answered 200 (p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(0)} ms), ${normal.failed.length} failed`,
  );
  console.log('normal requests failed, by cause:');
  for (const [cause, count] of Object.entries(failures.expected))
    console.log(`  ${String(count).padStart(6)}  ${cause} (allowed)`);
  for (const [cause, count] of Object.entries(failures.unexpected))
    console.log(`  ${String(count).padStart(6)}  ${cause} (target 0)`);
  for (const line of failures.otherLines) console.log(`            ${line}`);
  console.log(
    `normal requests that waited more than ${SLOW_MS / 1000} s for their answer (or its failure), by what their worker was doing:`,
  );
  const waitLine = (indent, { count, longestMs }, what) =>
    console.log(`${indent}${String(count).padStart(6)}  longest ${seconds(longestMs).padStart(4)} s  ${what}`);
  for (const [cause, wait] of Object.entries(waits.causes)) waitLine('  ', wait, cause);
  waitLine(
    '  ',
    waits.servedSlowClient,
    'its worker served a slow or non-reading client meanwhile; of these, with one kind of them only:',
  );
  for (const [kind, wait] of Object.entries(waits.servedSlowClient.alone)) waitLine('        ', wait, kind);
  waitLine('        ', waits.servedSlowClient.severalKinds, 'several kinds on that worker');
  console.log('');
  console.log('the faults:');
  console.log(
    `  crash route (its worker SIGKILLs itself): ${run.crashes.length} requests: ${counted(run.crashes.map((c) => c.outcome))}`,
  );
  const answered504 = run.stucks.filter((s) => s.outcome === 'answered 504').map((s) => seconds(s.ms));
  console.log(
    `  stuck route (sleeps ${run.stuckSleepMs / 1000} s, request_timeout 3 s): ${run.stucks.length} requests: ${counted(run.stucks.map((s) => s.outcome))}; the 504s after ${answered504.join(', ') || '-'} s`,
  );
  console.log(
    `  SIGKILL of one worker every ${run.killEveryMs / 1000} s: ${run.kills.filter((k) => !k.none).length} killed, ${run.kills.filter((k) => k.none).length} times none was serving`,
  );
  for (const [kind, outcomes] of Object.entries(run.slowOutcomes))
    console.log(`  ${kind}: ${outcomes.length} clients: ${counted(outcomes)}`);
  console.log(`  connections the server dropped for send_timeout (its log): ${run.dropsLogged}`);
  console.log('');
  console.log('worker  start: pid  RSS MB   end: pid  RSS MB   restarts   (start: after one of each answer)');
  for (const worker of after.workers) {
    const first = before.workers.find((w) => w.index === worker.index);
    console.log(
      `#${worker.index}      ${String(first?.pid).padEnd(12)}${mb(first?.rssBytes ?? 0).padEnd(9)}${String(worker.pid).padEnd(10)}${mb(worker.rssBytes).padEnd(9)}${worker.restarts}`,
    );
  }
  const [supervisorBefore, supervisorAfter] = run.supervisorRssMb;
  console.log(`supervisor (pid ${after.pid}) RSS MB: ${supervisorBefore?.toFixed(1)} → ${supervisorAfter?.toFixed(1)}`);
  console.log(`worker RSS MB every 10 s: ${run.samples.join(' | ')}`);

  const failedAgainstTarget = Object.values(failures.unexpected).reduce((a, b) => a + b, 0);
  const busyOnSlowClient = waits.servedSlowClient.count;
  const rssFlat =
    after.workers.every((w) => w.rssBytes <= 1.1 * (before.workers.find((b) => b.index === w.index)?.rssBytes ?? 0)) &&
    supervisorAfter <= 1.1 * supervisorBefore;
  console.log('');
  console.log(
    `${verdict(failedAgainstTarget === 0)}  normal requests failed apart from those lost with a dying worker or queued behind a stuck one: ${failedAgainstTarget} (target 0)`,
  );
  console.log(
    `${verdict(busyOnSlowClient === 0)}  no worker stayed busy on a client that reads slowly or not at all: ${busyOnSlowClient} normal requests waited more than ${SLOW_MS / 1000} s on a worker serving one (longest ${seconds(waits.servedSlowClient.longestMs)} s; target 0)`,
  );
  console.log(`${verdict(rssFlat)}  RSS flat: every worker and the supervisor at the end within 10 % of the start`);
  return { failedAgainstTarget, busyOnSlowClient, rssFlat };
}
