export type WorkerRole = 'http' | 'task' | 'tick';

/**
 * Why a worker process was replaced: the reasons a request worker asks for its own replacement
 * (`recycle` messages; a new one added there is counted here too), a crash (it exited without being
 * asked to), or a reload (`ephpm reload`, `ephpm dev`).
 */
/** Why a worker asked to be replaced (its `recycle` message to the supervisor). */
export type RecycleReason = 'max-requests' | 'memory' | 'timeout';
export type RestartReason = RecycleReason | 'crash' | 'reload';

/** Listed in the exposition at 0 before they first happen, so that rate() and alerts see them from the start. */
const KNOWN: Record<WorkerRole, RestartReason[]> = {
  http: ['max-requests', 'memory', 'timeout', 'crash', 'reload'],
  task: ['crash', 'reload'],
  tick: ['crash', 'reload'],
};

export interface RestartCount {
  role: WorkerRole;
  reason: RestartReason;
  count: number;
}

/** Kept by the supervisor: replacements by role and reason, since the server started. */
export class RestartCounts {
  private readonly counts = new Map<string, RestartCount>();

  constructor() {
    for (const [role, reasons] of Object.entries(KNOWN) as Array<[WorkerRole, RestartReason[]]>) {
      for (const reason of reasons) this.entry(role, reason);
    }
  }

  count(role: WorkerRole, reason: RestartReason): void {
    this.entry(role, reason).count++;
  }

  list(): RestartCount[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }

  private entry(role: WorkerRole, reason: RestartReason): RestartCount {
    const key = `${role} ${reason}`;
    let entry = this.counts.get(key);
    if (!entry) this.counts.set(key, (entry = { role, reason, count: 0 }));
    return entry;
  }
}
