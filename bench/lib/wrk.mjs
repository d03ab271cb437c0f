import { run } from './processes.mjs';

const UNIT_TO_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_TO_BYTES = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `headers`: request headers as wrk's -H takes them ('Accept-Encoding: br, gzip'). */
export async function wrk(url, { threads = 2, connections = 64, seconds = 10, headers = [] } = {}) {
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '--latency',
    ...headers.flatMap((header) => ['-H', header]),
    url,
  ];
  const { code, stdout, stderr } = await run('wrk', args, { timeoutMs: (seconds + 30) * 1000 });
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} failed (code ${code}):\n${stderr || stdout}`);
  return { command: `wrk ${args.join(' ')}`, ...parseWrk(stdout), raw: stdout };
}

export function parseWrk(text) {
  const number = (pattern) => {
    const match = pattern.exec(text);
    return match ? Number(match[1]) : null;
  };
  const percentile = (p) => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
    return match ? Number(match[1]) * UNIT_TO_MS[match[2]] : null;
  };
  const read = /requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const result = {
    requestsPerSec: number(/^Requests\/sec:\s+([\d.]+)/m),
    requests: number(/^\s*(\d+) requests in/m),
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    /** Bytes read from the server, heads included (wrk's total, to its two decimals). */
    bytesRead: read ? Number(read[1]) * UNIT_TO_BYTES[read[2]] : null,
    socketErrors: socket
      ? { connect: +socket[1], read: +socket[2], write: +socket[3], timeout: +socket[4] }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
  if (result.requestsPerSec === null || result.p50Ms === null || result.p99Ms === null) {
    throw new Error(`could not parse wrk output:\n${text}`);
  }
  return result;
}
