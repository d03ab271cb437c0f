import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * A copy of libphp whose calls and global accesses inside itself are bound, as they are in the `php` program.
 *
 * A distribution builds libphp as an ordinary shared library: every call from one of its functions to another goes
 * through a PLT stub, and every access to one of its globals (executor_globals, on nearly every opcode) first loads
 * the global's address from the GOT, because another object could interpose either. The `php` binary that php-fpm
 * and Swoole run is linked from the same objects as an executable, where the linker binds those references directly.
 * The copy rewrites each one in place to what that linker writes (x86-64 only): `call`/`jmp` to a PLT stub becomes
 * the same instruction to the function, and `mov sym@GOTPCREL(%rip), %reg` becomes `lea sym(%rip), %reg` (the
 * linker's GOTPCRELX relaxation), each the same length. Symbols also defined by an object loaded before libphp (the
 * node program, its libraries, the addon) stay as they are, since those definitions are the ones the loader binds.
 */
export interface BoundLibphp {
  output: string;
  /** Calls and jumps that went through a PLT stub and now reach the function directly. */
  calls: number;
  /** GOT loads of an address that are now computed from the instruction pointer. */
  loads: number;
}

interface Section {
  address: number;
  offset: number;
  size: number;
}

const INSTRUCTION = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t/;
const STUB_LABEL = /^([0-9a-f]+) <(.+@plt)>:$/;

export function canBind(library: string): boolean {
  try {
    return /Machine:\s+Advanced Micro Devices X86-64/.test(readelf(['-h', library]));
  } catch {
    return false;
  }
}

/** Writes the bound copy of `library` to `output` (aside, then renamed: running servers keep the file they loaded). */
export async function bindLibphp(library: string, output: string, foreignSymbols: Set<string>): Promise<BoundLibphp> {
  const defined = definedSymbols(library);
  const bindable = (name: string | undefined): number | undefined =>
    name === undefined || foreignSymbols.has(name) ? undefined : defined.get(name);
  const slots = relocationSlots(library);
  const sections = loadedSections(library);
  const image = readFileSync(library);
  const stubs = new Map<number, string | undefined>();
  let calls = 0;
  let loads = 0;

  const patch = (address: number, at: number, length: number, target: number) => {
    image.writeInt32LE(target - (address + length), fileOffset(sections, address) + at);
  };
  let stub: number | undefined;
  for await (const line of disassembly(library)) {
    const [, stubAddress] = STUB_LABEL.exec(line) ?? [];
    if (stubAddress) {
      stub = parseInt(stubAddress, 16);
      continue;
    }
    if (line.endsWith('>:')) stub = undefined;
    const [, at, hex] = INSTRUCTION.exec(line) ?? [];
    if (!at || !hex) continue;
    const address = parseInt(at, 16);
    const bytes = Buffer.from(hex.replaceAll(' ', ''), 'hex');
    if (stub !== undefined) {
      // The stub's first instruction: jmp *slot(%rip), with or without a bnd/notrack prefix.
      if (!stubs.has(stub)) stubs.set(stub, slots.get(stubSlot(address, bytes) ?? -1));
      continue;
    }
    const branch = relativeBranch(bytes);
    if (branch) {
      const function_ = bindable(stubs.get(address + bytes.length + bytes.readInt32LE(bytes.length - 4)));
      if (function_ !== undefined) {
        patch(address, bytes.length - 4, bytes.length, function_);
        calls++;
      }
      continue;
    }
    if (isGotLoad(bytes)) {
      const symbol = bindable(slots.get(address + 7 + bytes.readInt32LE(3)));
      if (symbol !== undefined) {
        image[fileOffset(sections, address) + 1] = 0x8d; // mov → lea
        patch(address, 3, 7, symbol);
        loads++;
      }
    }
  }
  writeFileSync(`${output}.tmp`, image);
  chmodSync(`${output}.tmp`, statSync(library).mode);
  renameSync(`${output}.tmp`, output);
  return { output, calls, loads };
}

/** Names defined by the ELF objects the running node has loaded (itself, libc, libstdc++…) and by `extra`. */
export function symbolsLoadedBefore(extra: string[]): Set<string> {
  const objects = new Set([process.execPath, ...extra]);
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const path = line.split(/\s+/)[5];
    if (path?.startsWith('/') && /\.so(\.|$)/.test(path)) objects.add(path);
  }
  const names = new Set<string>();
  for (const object of objects) {
    try {
      for (const name of definedSymbols(object).keys()) names.add(name);
    } catch {
      // not an ELF object readelf reads: it defines nothing libphp could bind to
    }
  }
  return names;
}

function readelf(args: string[]): string {
  return execFileSync('readelf', ['-W', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Functions and objects the library defines and exports (GLOBAL; weak, indirect and thread-local ones excluded). */
function definedSymbols(object: string): Map<string, number> {
  const symbols = new Map<string, number>();
  for (const line of readelf(['--dyn-syms', object]).split('\n')) {
    const [index = '', value = '', , type, bind, , section, name = ''] = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(index) || section === 'UND' || name === '') continue;
    if ((type === 'FUNC' || type === 'OBJECT') && bind === 'GLOBAL')
      symbols.set(unversioned(name), parseInt(value, 16));
  }
  return symbols;
}

/** GOT slot address → the symbol the loader writes there (JUMP_SLOT for PLT stubs, GLOB_DAT for address loads). */
function relocationSlots(library: string): Map<number, string> {
  const slots = new Map<number, string>();
  for (const line of readelf(['-r', library]).split('\n')) {
    const [slot = '', , type, , name = ''] = line.trim().split(/\s+/);
    if (type === 'R_X86_64_JUMP_SLOT' || type === 'R_X86_64_GLOB_DAT') slots.set(parseInt(slot, 16), unversioned(name));
  }
  return slots;
}

/** `zend_hash_find@@Base` → `zend_hash_find`. */
function unversioned(name: string): string {
  return name.split('@')[0] ?? name;
}

function loadedSections(library: string): Section[] {
  const sections: Section[] = [];
  for (const line of readelf(['-S', library]).split('\n')) {
    const [, address = '', offset = '', size = ''] =
      /\]\s+\S+\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line) ?? [];
    if (address)
      sections.push({ address: parseInt(address, 16), offset: parseInt(offset, 16), size: parseInt(size, 16) });
  }
  return sections;
}

function fileOffset(sections: Section[], address: number): number {
  const section = sections.find((s) => address >= s.address && address < s.address + s.size);
  if (!section) throw new Error(`libphp binding: address 0x${address.toString(16)} is in no section of the file`);
  return address - section.address + section.offset;
}

async function* disassembly(library: string): AsyncGenerator<string> {
  const objdump = spawn('objdump', ['-d', '-w', library], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  objdump.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    objdump.once('error', reject);
    objdump.once('close', (code) => resolve(code ?? 1));
  });
  yield* createInterface({ input: objdump.stdout, crlfDelay: Infinity });
  const code = await exited;
  if (code !== 0) throw new Error(`objdump -d ${library} exited with ${code}: ${errors.trim()}`);
}

/** `jmp *disp(%rip)`, as a PLT stub starts (ff 25; f2 ff 25 with a bnd prefix; 3e ff 25 with notrack). */
function stubSlot(address: number, bytes: Buffer): number | undefined {
  const at = bytes[0] === 0xff ? 0 : bytes[1] === 0xff ? 1 : -1;
  if (at < 0 || bytes[at + 1] !== 0x25 || bytes.length !== at + 6) return undefined;
  return address + bytes.length + bytes.readInt32LE(at + 2);
}

/** call rel32 (e8), jmp rel32 (e9), jcc rel32 (0f 80–8f). */
function relativeBranch(bytes: Buffer): boolean {
  const [first = 0, second = 0] = bytes;
  if (bytes.length === 5) return first === 0xe8 || first === 0xe9;
  return bytes.length === 6 && first === 0x0f && second >= 0x80 && second <= 0x8f;
}

/** `mov disp(%rip), %r64`: REX.W (48, or 4c for r8–r15), 8b, ModRM with mod 00 and r/m 101. */
function isGotLoad(bytes: Buffer): boolean {
  const [rex = 0, opcode = 0, modrm = 0] = bytes;
  return bytes.length === 7 && (rex === 0x48 || rex === 0x4c) && opcode === 0x8b && (modrm & 0xc7) === 0x05;
}
