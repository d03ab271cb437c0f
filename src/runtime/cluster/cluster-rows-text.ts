import { EphpmError } from '../errors.js';
import type { ClusterNode } from './cluster-node.js';

/** `ephpm table:dump --cluster`: the cluster's copy of a table, as text (keys and values as UTF-8). */
export async function clusterRowsAsText(
  cluster: ClusterNode | null,
  table: string,
): Promise<Array<{ key: string; values: string[] }>> {
  if (!cluster) {
    throw new EphpmError(
      'EPHPM_NO_CLUSTER',
      'This server runs without cluster mode: its tables have no copy in Redis.',
      'Add [cluster] redis = "redis://host:6379" to ephpm.toml (or set EPHPM_CLUSTER_REDIS) and restart it.',
    );
  }
  const rows = await cluster.clusterRows(table).catch((error: Error) => {
    throw new EphpmError(
      'EPHPM_CLUSTER_UNAVAILABLE',
      `The cluster's copy of table "${table}" cannot be read: ${error.message}.`,
      'See the link to Redis with: ephpm status',
    );
  });
  return rows.map((row) => ({ key: row.key.toString(), values: row.values.map((value) => value.toString()) }));
}
