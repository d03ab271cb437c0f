// Prints the totals of vitest's JSON report, and the Octane suite's own line per Laravel major (test/octane/; each
// describe title ends "(Laravel N)"): how many of its tests passed, or that it was skipped as a whole and why (the
// reason is in its describe titles: "… — SKIPPED: <reason>").
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`);

const octane = report.testResults
  .filter((file) => /\/test\/octane\//.test(file.name))
  .flatMap((file) => file.assertionResults);
const byLaravel = new Map();
for (const test of octane) {
  const major = /\(Laravel (\d+)\)/.exec(test.ancestorTitles[0] ?? '')?.[1] ?? 'any';
  byLaravel.set(major, [...(byLaravel.get(major) ?? []), test]);
}
for (const [major, tests] of [...byLaravel].sort()) {
  const on = major === 'any' ? '' : ` on Laravel ${major}`;
  const passed = tests.filter((test) => test.status === 'passed').length;
  const skipped = tests.filter((test) => test.status === 'skipped' || test.status === 'pending');
  if (skipped.length === tests.length) {
    const reason = skipped
      .flatMap((test) => test.ancestorTitles)
      .map((title) => /SKIPPED: (.+)$/.exec(title)?.[1])
      .find(Boolean);
    console.log(`Octane suite${on}: SKIPPED — ${reason ?? 'no reason given'}`);
    continue;
  }
  const failed = tests.length - passed - skipped.length;
  console.log(
    `Octane suite${on}: ${passed} passed${failed > 0 ? `, ${failed} failed` : ''}${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`,
  );
}
