// Where a worker process's private memory is, from /proc/<pid>/smaps (Linux): each mapping's private pages
// (Private_Clean + Private_Dirty) put in one of the kinds below by its name, address and size. The kinds follow
// how the allocators map memory: glibc's thread arenas are 64 MB-aligned heaps of 64 MB (the part in use rw-p, the
// rest ---p), the main arena is [heap], Zend MM maps 2 MB-aligned chunks of 2 MB (adjacent ones merge into one
// mapping), V8 allocates its heap in 256 KB pages, OPcache's shared memory is a mapping of /dev/zero, a thread's
// stack sits right above its guard page (---p). A 64 MB-aligned mapping is an arena only with the ---p rest of its
// 64 MB behind it (or all 64 MB in use, no guard before it): a Zend chunk or the PHP thread's 64 MB stack can be
// 64 MB-aligned too. A chunk merged with an anonymous neighbour counts as the PHP heap up to its whole chunks.
import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;
const ARENA = 64n * BigInt(MB);
const CHUNK = 2n * BigInt(MB);
const GUARD_MAX = 64n * 1024n;
const ZEND = 'Zend MM chunks (PHP heap)';

/** Private MB by kind, largest first, with `total`; null once the process has gone. */
export function privateBreakdownMb(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null;
  }
  const maps = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      maps.push({
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3],
        name: head[4],
        privateKb: 0,
      });
      continue;
    }
    const field = /^(Private_Clean|Private_Dirty):\s+(\d+) kB/.exec(line);
    if (field && maps.length > 0) maps.at(-1).privateKb += Number(field[2]);
  }
  const arenas = new Set(maps.filter((map, index) => isArenaStart(maps, index)).map((map) => map.start));
  const kinds = {};
  for (const [index, map] of maps.entries()) {
    const kind = kindOf(map, arenas, afterGuard(maps, index));
    // A Zend chunk merged with an anonymous neighbour into one mapping: its whole chunks are the PHP heap's.
    const chunkKb = kind === 'other anonymous' ? Math.min(map.privateKb, Number(wholeChunkBytes(map) / 1024n)) : 0;
    if (chunkKb > 0) kinds[ZEND] = (kinds[ZEND] ?? 0) + chunkKb / 1024;
    kinds[kind] = (kinds[kind] ?? 0) + (map.privateKb - chunkKb) / 1024;
  }
  const sorted = Object.fromEntries(
    Object.entries(kinds)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, mb]) => [kind, Number(mb.toFixed(1))]),
  );
  return {
    ...sorted,
    total: Number(
      Object.values(kinds)
        .reduce((sum, mb) => sum + mb, 0)
        .toFixed(1),
    ),
  };
}

const anonymous = (map) => map.name === '';
const contiguous = (before, after) => before !== undefined && after !== undefined && before.end === after.start;

function afterGuard(maps, index) {
  const before = maps[index - 1];
  return (
    contiguous(before, maps[index]) &&
    anonymous(before) &&
    before.perms === '---p' &&
    before.end - before.start <= GUARD_MAX
  );
}

function isArenaStart(maps, index) {
  const map = maps[index];
  if (!anonymous(map) || map.perms !== 'rw-p' || map.start % ARENA !== 0n) return false;
  if (map.end - map.start === ARENA) return !afterGuard(maps, index);
  const rest = maps[index + 1];
  return contiguous(map, rest) && anonymous(rest) && rest.perms === '---p' && rest.end === map.start + ARENA;
}

function wholeChunkBytes(map) {
  const first = ((map.start + CHUNK - 1n) / CHUNK) * CHUNK;
  const last = (map.end / CHUNK) * CHUNK;
  return last > first ? last - first : 0n;
}

function kindOf(map, arenas, isStack) {
  const size = map.end - map.start;
  if (map.name === '[heap]') return 'malloc main arena';
  if (map.name.startsWith('/dev/zero') || map.name.startsWith('/SYSV')) return 'OPcache shared memory';
  if (map.name.startsWith('[stack')) return 'stacks';
  if (map.name !== '') return map.name.startsWith('/') ? 'files (node, libphp, extensions)' : 'other';
  if (isStack && !map.perms.includes('x')) return 'stacks';
  if (arenas.has(map.start - (map.start % ARENA))) return 'malloc thread arenas';
  if (size === 256n * 1024n) return 'V8 heap pages';
  if (map.start % CHUNK === 0n && size % CHUNK === 0n) return ZEND;
  if (map.perms.includes('x')) return 'V8 code';
  if (size >= 8n * BigInt(MB) && size <= 8n * BigInt(MB) + 8192n) return 'stacks';
  return 'other anonymous';
}
