import { emptyHistogram, Histogram, type HistogramCounts } from './histogram.js';

/** The `method` label: the common methods by name, everything else together (method names are the client's to choose). */
export const METHOD_CLASSES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'] as const;
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Answers the HTTP front gives itself, without PHP: the status code and why. */
export const FRONT_ANSWERS = [
  { code: 503, reason: 'queue_full' },
  { code: 503, reason: 'restarting' },
  { code: 504, reason: 'timeout' },
  { code: 413, reason: 'body_too_large' },
  { code: 400, reason: 'bad_body' },
  { code: 503, reason: 'queue_timeout' },
  { code: 408, reason: 'body_timeout' },
  { code: 400, reason: 'bad_target' },
  { code: 507, reason: 'body_not_stored' },
  { code: 431, reason: 'headers_too_large' },
] as const;
export type FrontReason = (typeof FRONT_ANSWERS)[number]['reason'];
const FRONT_INDEX = Object.fromEntries(FRONT_ANSWERS.map((answer, i) => [answer.reason, i])) as Record<
  FrontReason,
  number
>;

/** What one request worker counted since it started (cumulative), as it crosses the IPC channel. */
export interface RequestCounters {
  /** Responses by `METHOD_CLASSES[i] × STATUS_CLASSES[j]` at index `i * STATUS_CLASSES.length + j`. */
  responses: number[];
  /** Arrival (request line and headers parsed) to the response's end, every answered request. */
  duration: HistogramCounts;
  /** Dispatch to PHP's answer (its first event back, or its direct write), requests PHP answered. */
  phpDuration: HistogramCounts;
  /** By `FRONT_ANSWERS[i]`. */
  frontAnswers: number[];
}

export function emptyRequestCounters(): RequestCounters {
  return {
    responses: new Array<number>(METHOD_CLASSES.length * STATUS_CLASSES.length).fill(0),
    duration: emptyHistogram(),
    phpDuration: emptyHistogram(),
    frontAnswers: new Array<number>(FRONT_ANSWERS.length).fill(0),
  };
}

function methodClass(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'PATCH':
      return 4;
    case 'DELETE':
      return 5;
    case 'OPTIONS':
      return 6;
    default:
      return 7;
  }
}

/**
 * The request worker's counters: a few array increments per request, nothing allocated, no IPC. The
 * supervisor reads them with the `stats` message when someone asks (a scrape, `ephpm top`).
 */
export class RequestCounterSet {
  private readonly responses = new Float64Array(METHOD_CLASSES.length * STATUS_CLASSES.length);
  private readonly duration = new Histogram();
  private readonly phpDuration = new Histogram();
  private readonly frontAnswers = new Float64Array(FRONT_ANSWERS.length);

  answered(method: string, status: number, durationMs: number): void {
    const statusClass = Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
    this.responses[methodClass(method) * STATUS_CLASSES.length + statusClass]!++;
    this.duration.observeMs(durationMs);
  }

  phpAnswered(durationMs: number): void {
    this.phpDuration.observeMs(durationMs);
  }

  frontAnswered(reason: FrontReason): void {
    this.frontAnswers[FRONT_INDEX[reason]]!++;
  }

  counters(): RequestCounters {
    return {
      responses: Array.from(this.responses),
      duration: this.duration.counts(),
      phpDuration: this.phpDuration.counts(),
      frontAnswers: Array.from(this.frontAnswers),
    };
  }
}
