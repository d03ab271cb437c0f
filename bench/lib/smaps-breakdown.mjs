// Where a worker process's private memory is, from /proc/<pid>/smaps (Linux): each mapping's private pages
// (Private_Clean + Private_Dirty) put in one of the kinds below by its name, address and size. The kinds follow
// how the allocators map memory: glibc's thread arenas are 64 MB-aligned heaps of 64 MB (the part in use rw-p, the
// rest ---p), the main arena is [heap], Zend MM maps 2 MB-aligned chunks of 2 MB (adjacent ones merge into one
// mapping), V8 allocates its heap in 256 KB pages, OPcache's shared memory is a mapping of /dev/zero.
import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;
const ARENA = 64n * BigInt(MB);
const CHUNK = 2n * BigInt(MB);

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
  const arenas = new Set(
    maps.filter((map) => map.name === '' && map.perms === 'rw-p' && map.start % ARENA === 0n).map((map) => map.start),
  );
  const kinds = {};
  for (const map of maps) {
    const kind = kindOf(map, arenas);
    kinds[kind] = (kinds[kind] ?? 0) + map.privateKb / 1024;
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

function kindOf(map, arenas) {
  const size = map.end - map.start;
  if (map.name === '[heap]') return 'malloc main arena';
  if (map.name.startsWith('/dev/zero') || map.name.startsWith('/SYSV')) return 'OPcache shared memory';
  if (map.name.startsWith('[stack')) return 'stacks';
  if (map.name !== '') return map.name.startsWith('/') ? 'files (node, libphp, extensions)' : 'other';
  if (arenas.has(map.start - (map.start % ARENA))) return 'malloc thread arenas';
  if (size === 256n * 1024n) return 'V8 heap pages';
  if (map.start % CHUNK === 0n && size % CHUNK === 0n) return 'Zend MM chunks (PHP heap)';
  if (map.perms.includes('x')) return 'V8 code';
  if (size >= 8n * BigInt(MB) && size <= 8n * BigInt(MB) + 8192n) return 'stacks';
  return 'other anonymous';
}
