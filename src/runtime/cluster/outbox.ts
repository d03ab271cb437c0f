import type { ClusterConfig } from './cluster-config.js';
import { EphpmError } from '../errors.js';
import { nativeCluster } from '../native/cluster-face.js';

/** Every cluster outbox of this user starts with it (never with the tables' prefix), so a start can sweep old ones. */
export function outboxPrefix(): string {
  return `ephpm-cluster-${process.getuid?.() ?? 0}-`;
}

/** In a worker process, after the tables and before PHP starts: writes to replicated tables go into the outbox. */
export function attachOutbox(cluster: ClusterConfig): void {
  if (!cluster.outbox) return;
  try {
    nativeCluster().clusterAttach(cluster.outbox, cluster.redis, cluster.node ?? '');
  } catch (error) {
    throw new EphpmError(
      'EPHPM_CLUSTER_FAILED',
      `This worker cannot map the cluster outbox: ${(error as Error).message}.`,
      'Restart the server (ephpm stop, then ephpm serve).',
    );
  }
}
