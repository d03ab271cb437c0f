import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/runtime/supervisor/worker-heap.js';

describe("a worker process's node flags", () => {
  it("keep the supervisor's own and cap the young generation", () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=4']);
  });

  it("leave the cap to the user's --max-semi-space-size, from NODE_OPTIONS or node's flags, in either spelling", () => {
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=16')).toEqual([]);
    expect(workerExecArgv(['--max_semi_space_size=2'])).toEqual(['--max_semi_space_size=2']);
    expect(workerExecArgv([], '--max-semi-space-size-x=1')).toEqual(['--max-semi-space-size=4']);
  });
});
