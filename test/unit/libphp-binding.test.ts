import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindLibphp, canBind, symbolsLoadedBefore } from '../../src/runtime/toolchain/libphp-binding.js';
import { repoRoot, tempDir } from '../helpers/ephpm-server.js';

const LIBPHP = '/usr/lib/libphp8.2.so';

/** Every call or jump in the library's code, counted by target: `zend_hash_find@plt`, `zend_hash_find`… */
function branchTargets(library: string): Map<string, number> {
  const counts = new Map<string, number>();
  const disassembly = execFileSync('objdump', ['-d', '-w', '--no-show-raw-insn', library], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  for (const [, target] of disassembly.matchAll(/\t(?:call|jmp|j[a-z]+)\s+[0-9a-f]+ <([^>+]+)>/g)) {
    const name = target!.replace(/@@\w+$/, ''); // a defined symbol's version: zend_hash_find@@Base
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function addressLoadsOf(library: string, symbol: string): { got: number; direct: number } {
  const slot = gotSlot(library, symbol);
  const disassembly = execFileSync('objdump', ['-d', '-w', '--no-show-raw-insn', library], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return {
    // objdump names a GOT slot after the symbol nearest below it: executor_globals' slot reads "<…@@Base-0x…>".
    got: [...disassembly.matchAll(/\tmov\s+0x[0-9a-f]+\(%rip\),%r\w+\s+# ([0-9a-f]+) </g)].filter(
      ([, from]) => from === slot,
    ).length,
    direct: [
      ...disassembly.matchAll(
        new RegExp(`\\tlea\\s+0x[0-9a-f]+\\(%rip\\),%r\\w+\\s+# [0-9a-f]+ <${symbol}@@Base>`, 'g'),
      ),
    ].length,
  };
}

function gotSlot(library: string, symbol: string): string | undefined {
  const relocations = execFileSync('readelf', ['-rW', library], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = relocations.split('\n').find((l) => l.includes('R_X86_64_GLOB_DAT') && l.includes(` ${symbol}`));
  return line?.trim().split(/\s+/)[0]?.replace(/^0+/, '');
}

describe("binding libphp's references to itself (the copy the addon loads)", () => {
  it('calls its own functions directly instead of through PLT stubs, except those an earlier object defines', async () => {
    const output = join(tempDir('ephpm-libphp-'), 'libphp.so');
    const bound = await bindLibphp(LIBPHP, output, new Set(['zend_hash_find']));
    const before = branchTargets(LIBPHP);
    const after = branchTargets(output);

    const throughStubs = (counts: Map<string, number>, skip: string) =>
      [...counts].filter(([target]) => target.endsWith('@plt') && target.startsWith('zend_') && target !== skip);
    expect(throughStubs(before, 'zend_hash_find@plt').length).toBeGreaterThan(100);
    expect(throughStubs(after, 'zend_hash_find@plt')).toEqual([]);
    expect(after.get('zend_hash_str_find')).toBe(
      (before.get('zend_hash_str_find') ?? 0) + (before.get('zend_hash_str_find@plt') ?? 0),
    );
    // Named as defined by an object loaded before libphp: its calls keep going through the stub.
    expect(after.get('zend_hash_find@plt')).toBe(before.get('zend_hash_find@plt'));
    expect(after.get('zend_hash_find@plt')).toBeGreaterThan(100);
    // libc's functions are not libphp's: still through their stubs.
    expect(after.get('memcpy@plt')).toBe(before.get('memcpy@plt'));
    expect(bound.calls).toBeGreaterThan(10_000);
  }, 60_000);

  it("computes its globals' addresses from the instruction pointer instead of loading them from the GOT", async () => {
    const output = join(tempDir('ephpm-libphp-'), 'libphp.so');
    const bound = await bindLibphp(LIBPHP, output, new Set());
    const before = addressLoadsOf(LIBPHP, 'executor_globals');
    const after = addressLoadsOf(output, 'executor_globals');
    expect(before.got).toBeGreaterThan(100);
    expect(after).toEqual({ got: 0, direct: before.direct + before.got });
    expect(bound.loads).toBeGreaterThan(1_000);
  }, 60_000);

  it('leaves to the loader what node, the libraries node has loaded, or the addon define (and only that)', () => {
    const addon = join(repoRoot, 'native', 'build', 'ephpm.node');
    const defined = symbolsLoadedBefore([addon]);
    expect(defined.has('napi_create_function')).toBe(true); // node
    expect(defined.has('malloc')).toBe(true); // libc, which node has loaded
    expect(defined.has('napi_register_module_v1')).toBe(true); // the addon
    expect(defined.has('zend_hash_find')).toBe(false);
    expect(defined.has('executor_globals')).toBe(false);
  });

  it('binds only an x86-64 ELF library', () => {
    expect(canBind(LIBPHP)).toBe(true);
    expect(canBind('/etc/os-release')).toBe(false);
  });
});
