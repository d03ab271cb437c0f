import kleur from 'kleur';
import type { ClusterStatus } from '../runtime/metrics/server-status.js';
import type { ClusterTableDump } from '../runtime/control/cluster-dump.js';
import { formatBytes, formatTable, tableCell } from './format.js';

/** `ephpm status`: the line about the link to Redis. */
export function clusterLine(cluster: ClusterStatus): string {
  const state =
    cluster.state === 'connected'
      ? kleur.green('connected')
      : cluster.state === 'syncing'
        ? kleur.yellow('syncing')
        : kleur.red('degraded');
  const since = new Date(cluster.since).toTimeString().slice(0, 8);
  const parts = [
    `cluster  node ${cluster.node}  ${cluster.redis}  ${state} since ${since}`,
    `lag ${cluster.lagMs === null ? '-' : `${cluster.lagMs} ms`}`,
    `backlog ${cluster.backlog.toLocaleString('en')} writes (${formatBytes(cluster.backlogBytes)})`,
  ];
  if (cluster.dropped > 0) parts.push(kleur.red(`${cluster.dropped.toLocaleString('en')} writes dropped`));
  if (cluster.lastError) parts.push(`last error: ${cluster.lastError}`);
  return parts.join('  ');
}

/** `ephpm table:dump --cluster`: this node's rows, and a last column saying how the cluster's copy differs. */
export function clusterDumpTable(dump: ClusterTableDump, options: { unserialize?: boolean } = {}): string {
  const columns = dump.table.columns.map((column) => column.name);
  const cell = (value: string | number) => tableCell(value, options);
  return formatTable(
    ['KEY', ...columns, 'CLUSTER (REDIS)'],
    dump.rows.map((row) => {
      const shown = row.local ?? row.cluster!;
      const verdict =
        row.differs.length === 0
          ? 'same'
          : !row.local
            ? 'only in Redis'
            : !row.cluster
              ? 'not in Redis'
              : `differs: ${row.differs.map((column) => `${column}=${cell(row.cluster![column]!)}`).join(', ')}`;
      return [
        tableCell(row.key),
        ...columns.map((column) => (row.local ? cell(shown[column]!) : '-')),
        row.differs.length === 0 ? verdict : kleur.red(`* ${verdict}`),
      ];
    }),
  );
}
