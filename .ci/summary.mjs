// Prints the totals of vitest's JSON report, and the Octane suite's own line (test/octane/): how many of its tests
// passed, or that it was skipped as a whole and why (the reason is in its describe titles: "… — SKIPPED: <reason>").
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);

const octane = report.testResults.filter((file) => /\/test\/octane\//.test(file.name)).flatMap((file) => file.assertionResults);
const passed = octane.filter((test) => test.status === 'passed').length;
const skipped = octane.filter((test) => test.status === 'skipped' || test.status === 'pending');
if (octane.length > 0 && skipped.length === octane.length) {
  const reason = skipped.flatMap((test) => test.ancestorTitles).map((title) => /SKIPPED: (.+)$/.exec(title)?.[1]).find(Boolean);
  console.log(`Octane suite: SKIPPED — ${reason ?? 'no reason given'}`);
} else {
  const failed = octane.length - passed - skipped.length;
  console.log(`Octane suite: ${passed} passed${failed > 0 ? `, ${failed} failed` : ''}${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
}
