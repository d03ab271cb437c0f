// bench:laravel's chart, drawn as plain SVG: req/s per route and server (grouped bars, linear), then p99 per route
// and server (grouped bars, log scale: the servers differ by orders of magnitude).

const COLORS = {
  ephpm: '#2563eb',
  fpm: '#16a34a',
  phpNode: '#d97706',
  swoole: '#c084fc',
  swooleNoClear: '#7c3aed',
  ceiling: '#9ca3af',
};
const WIDTH = 960;
const PANEL = 300;
const MARGIN = { left: 70, right: 20, top: 50, bottom: 40 };

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const short = (value) =>
  value >= 10_000
    ? `${(value / 1000).toFixed(0)}k`
    : value >= 1000
      ? `${(value / 1000).toFixed(1)}k`
      : value >= 10
        ? value.toFixed(0)
        : value.toFixed(1);

/**
 * series: [{ key, label }], routes: [{ path, values: { key: number|undefined } }] for each panel.
 * Returns the SVG document.
 */
export function laravelChart({ title, subtitle, throughput, latency, series }) {
  const height = MARGIN.top + 2 * (PANEL + MARGIN.bottom + 40) + 45;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`,
    legend(series, MARGIN.top),
    panel({
      top: MARGIN.top + 45,
      label: 'requests / s (median round; ceiling = in-process × 2 workers)',
      routes: throughput,
      series,
      log: false,
      format: short,
    }),
    panel({
      top: MARGIN.top + 45 + PANEL + MARGIN.bottom + 40,
      label: 'p99 latency, ms (log scale; lower is better)',
      routes: latency,
      series: series.filter((entry) => entry.key !== 'ceiling'),
      log: true,
      format: (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(1)),
    }),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function legend(series, y) {
  let x = MARGIN.left;
  return series
    .map(({ key, label }) => {
      const entry = `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[key]}"/><text x="${x + 18}" y="${y + 11}">${escape(label)}</text>`;
      x += 40 + label.length * 6.5;
      return entry;
    })
    .join('\n');
}

function panel({ top, label, routes, series, log, format }) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const values = routes
    .flatMap((route) => series.map(({ key }) => route.values[key]))
    .filter((value) => Number.isFinite(value) && value > 0);
  const max = Math.max(...values, 1);
  const min = log ? Math.max(Math.min(...values, max) / 2, 0.01) : 0;
  const scale = log
    ? (value) => (Math.log10(value) - Math.log10(min)) / (Math.log10(max * 1.5) - Math.log10(min))
    : (value) => value / (max * 1.12);
  const y = (value) => top + PANEL - Math.max(0, scale(value)) * PANEL;
  const out = [`<text x="${MARGIN.left}" y="${top - 8}" font-weight="bold">${escape(label)}</text>`];
  for (const tick of ticks(min, max, log)) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`,
    );
    out.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${short(tick)}</text>`);
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${top + PANEL}" y2="${top + PANEL}" stroke="#333"/>`,
  );
  const groupWidth = plotWidth / routes.length;
  const barWidth = (groupWidth * 0.8) / series.length;
  routes.forEach((route, group) => {
    const x0 = MARGIN.left + group * groupWidth + groupWidth * 0.1;
    series.forEach(({ key }, index) => {
      const value = route.values[key];
      if (!Number.isFinite(value) || value <= 0) return;
      const x = x0 + index * barWidth;
      const barTop = y(value);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(top + PANEL - barTop).toFixed(1)}" fill="${COLORS[key]}"><title>${escape(`${route.path} ${key}: ${value}`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(barTop - 3).toFixed(1)}" text-anchor="middle" font-size="10">${format(value)}</text>`,
      );
    });
    out.push(
      `<text x="${(x0 + groupWidth * 0.4).toFixed(1)}" y="${top + PANEL + 16}" text-anchor="middle">${escape(route.path)}</text>`,
    );
  });
  return out.join('\n');
}

function ticks(min, max, log) {
  if (log) {
    const list = [];
    for (let tick = 10 ** Math.floor(Math.log10(min)); tick <= max * 1.5; tick *= 10) if (tick >= min) list.push(tick);
    return list;
  }
  const step = 10 ** Math.floor(Math.log10(max)) / (max / 10 ** Math.floor(Math.log10(max)) < 3 ? 2 : 1);
  const list = [];
  for (let tick = 0; tick <= max * 1.12; tick += step) list.push(tick);
  return list;
}
