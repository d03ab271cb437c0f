import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_HEAD, RecordKind } from '../../src/runtime/cluster/outbox-records.js';
import { Applied } from '../../src/runtime/native/cluster-face.js';
import { EventKind } from '../../src/runtime/native/php-face.js';
import { FrameType } from '../../src/runtime/native/tasks-face.js';

const native = join(import.meta.dirname, '..', '..', 'native');

/** `enum class Name : type { A = 1, B = 2, ... };` from a C++ header, as { A: 1, B: 2 }. */
function cppEnum(header: string, name: string): Record<string, number> {
  const source = readFileSync(join(native, header), 'utf8');
  const body = new RegExp(`enum class ${name}\\b[^{]*\\{([^}]*)\\}`).exec(source)?.[1];
  if (!body) throw new Error(`no enum class ${name} in native/${header}`);
  const withoutComments = body.replace(/\/\/.*$/gm, '');
  return Object.fromEntries(
    [...withoutComments.matchAll(/(\w+)\s*=\s*(\d+)/g)].map(([, key, value]) => [key, Number(value)]),
  );
}

/** A TypeScript numeric enum's names and values (without the reverse mapping). */
function tsEnum(values: Record<string, string | number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
  );
}

describe('the addon constants TypeScript shares with C++', () => {
  it('event kinds match native/http/exchange.h', () => {
    expect(tsEnum(EventKind)).toEqual(cppEnum('http/exchange.h', 'EventKind'));
  });

  it('task frame types match native/tasks/task_wire.h', () => {
    expect(tsEnum(FrameType)).toEqual(cppEnum('tasks/task_wire.h', 'FrameType'));
  });
});

describe('the cluster outbox records TypeScript reads from C++', () => {
  it('record kinds match native/cluster/outbox.h', () => {
    expect(tsEnum(RecordKind)).toEqual(cppEnum('cluster/outbox.h', 'RecordKind'));
  });

  it('the record head is as long in both', () => {
    const header = readFileSync(join(native, 'cluster', 'outbox.h'), 'utf8');
    expect(Number(/constexpr size_t kRecordHead = (\d+);/.exec(header)?.[1])).toBe(RECORD_HEAD);
  });

  it('apply results match native/node/cluster_napi.cc', () => {
    const source = readFileSync(join(native, 'node', 'cluster_napi.cc'), 'utf8');
    const body = /enum Applied \{([^}]*)\}/.exec(source)![1]!;
    const values = Object.fromEntries(
      [...body.matchAll(/k(\w+) = (\d+)/g)].map(([, key, value]) => [key, Number(value)]),
    );
    expect(tsEnum(Applied)).toEqual(values);
  });
});
