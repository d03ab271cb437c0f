export const TARGETS = {
  bridgeUs: 10,
  ephpmOverFastify: 0.8,
  ephpmOverNginx: 2.0,
  metricsOnOverOff: 0.97,
};

const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
const fixed = (value, digits = 2) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));
const thousands = (value) => Math.round(value).toLocaleString('en-US');

export function ms(value) {
  if (value < 1) return `${(value * 1000).toFixed(0)} µs`;
  return value < 1000 ? `${value.toFixed(2)} ms` : `${(value / 1000).toFixed(2)} s`;
}

function table(header, rows) {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const line = (cells) =>
    `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   ')}`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** One entry per CPU placement; the first (threads on any CPU) is the one the target applies to. */
export function bridgeSection(bridge) {
  const rows = bridge.flatMap(({ placement, sequential, pipelined }, index) => [
    [
      `latency, 1 in flight, ${placement}`,
      fixed(sequential.usPerRoundTrip),
      `${fixed(sequential.p50Us)} µs`,
      `${fixed(sequential.p99Us)} µs`,
      '',
      '',
    ],
    [
      `pipelined, ${pipelined.inFlight} in flight, ${placement}`,
      fixed(pipelined.usPerRoundTrip),
      '',
      '',
      index === 0 ? `≤ ${TARGETS.bridgeUs} µs` : '',
      index === 0 ? verdict(pipelined.usPerRoundTrip <= TARGETS.bridgeUs) : '',
    ],
  ]);
  const { iterations, rounds } = bridge[0];
  return [
    `Bridge round trip JS -> PHP -> JS (addon direct, ${iterations.toLocaleString('en-US')} round trips per measurement, median of ${rounds.length} rounds)`,
    table(['mode', 'µs / round trip', 'p50', 'p99', 'target', 'result'], rows),
  ].join('\n');
}

export function httpSection(http, wrkCommand, workers, rounds) {
  const rows = http.map(({ name, wrk, roundsReqPerSec }) => [
    name,
    thousands(wrk.requestsPerSec),
    roundsReqPerSec.map(thousands).join(' / '),
    ms(wrk.p50Ms),
    ms(wrk.p99Ms),
    String(wrk.non2xx),
    String(Object.values(wrk.socketErrors).reduce((sum, count) => sum + count, 0)),
  ]);
  return [
    `HTTP hello (${wrkCommand}, ${workers} workers per server, 127.0.0.1; median of ${rounds} rounds, order rotated)`,
    table(['server', 'req/s', 'each round', 'p50', 'p99', 'non-2xx', 'socket errors'], rows),
  ].join('\n');
}

export function ratiosSection(ratios) {
  return table(
    ['ratio (req/s)', 'value', 'target', 'result'],
    ratios.map(({ label, value, target }) => [label, fixed(value), `≥ ${target.toFixed(2)}`, verdict(value >= target)]),
  );
}
