/** Set for the zygote only: where it listens for the worker proxy (native/zygote/zygote.cc reads it). */
export const ZYGOTE_LISTEN_ENV = 'EPHPM_ZYGOTE_LISTEN';
/** The main module a forked worker runs: its argv is the zygote's, rewritten (native/zygote/zygote.cc). */
export const WORKER_ENTRY_ENV = 'EPHPM_WORKER_ENTRY';
