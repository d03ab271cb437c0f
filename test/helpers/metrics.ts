import { spawnSync } from 'node:child_process';
import type { RunningServer } from './ephpm-server.js';
import { waitFor } from './wait-for.js';

/** The /metrics URL a server started with `--metrics 127.0.0.1:0` logged. */
export async function metricsUrl(server: RunningServer): Promise<string> {
  return (await server.waitFor(/metrics on (http:\/\/\S+\/metrics)/))[1]!;
}

export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/** The value of one sample, e.g. `ephpm_http_requests_total{method="GET",status_class="2xx"}`; undefined when absent. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Prometheus' own linter on the exposition: its exit code and what it said. */
export function promtool(exposition: string): { code: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool is not installed (scripts/setup.sh installs the prometheus package): ${result.error.message}`,
    );
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Scrapes until `ready` holds (the counters catch up with what the client saw), and returns that scrape. */
export function scrapeUntil(url: string, ready: (exposition: string) => boolean, what: string): Promise<string> {
  return waitFor(async () => {
    const exposition = await scrape(url);
    return ready(exposition) && exposition;
  }, what);
}
