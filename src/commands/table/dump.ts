import { Args, Flags } from '@oclif/core';
import kleur from 'kleur';
import { BaseCommand } from '../../cli/base-command.js';
import { dumpCsv, formatTable, printable, tableCell } from '../../cli/format.js';
import { dumpTable, type TableDump } from '../../runtime/control/table-inspect.js';
import { serverLocation, serverLocationFlags } from '../../cli/server-flags.js';
import { clusterDumpTable } from '../../cli/cluster-view.js';
import { dumpTableWithCluster, type ClusterTableDump } from '../../runtime/control/cluster-dump.js';

export default class DumpTable extends BaseCommand {
  static override description =
    "Print the rows of one of the running server's shared tables, read from its shared memory.";

  static override examples = [
    '<%= config.bin %> table:dump users',
    '<%= config.bin %> table:dump users --limit 20',
    '<%= config.bin %> table:dump users --key user-42 --json',
    '<%= config.bin %> table:dump users --csv > users.csv',
    '<%= config.bin %> table:dump octane.cache --raw',
    '<%= config.bin %> table:dump users --cluster',
  ];

  static override enableJsonFlag = true;

  static override args = {
    name: Args.string({ description: 'The table, as named in its definition', required: true }),
  };

  static override flags = {
    ...serverLocationFlags,
    csv: Flags.boolean({ description: 'Print CSV (a header line, then one line per row)', exclusive: ['json'] }),
    limit: Flags.integer({ description: 'Print at most this many rows', min: 1, exclusive: ['key'] }),
    key: Flags.string({ description: 'Print only the row with this key' }),
    raw: Flags.boolean({
      description: 'Show strings as stored: no unserializing of PHP-serialized values (--json and --csv always are)',
      exclusive: ['json', 'csv'],
    }),
    cluster: Flags.boolean({
      description: "Cluster mode: read the cluster's copy in Redis too, and mark the rows that differ",
      exclusive: ['csv'],
    }),
  };

  async run(): Promise<TableDump | ClusterTableDump> {
    const { args, flags } = await this.parse(DumpTable);
    if (flags.cluster) {
      const compared = await dumpTableWithCluster(serverLocation(flags), args.name, {
        limit: flags.limit,
        key: flags.key,
      });
      this.log(clusterDumpTable(compared, { unserialize: !flags.raw }));
      this.log(
        kleur.dim(
          `${compared.rows.length.toLocaleString('en')} keys shown; ${compared.differing.toLocaleString('en')} differ between this node and Redis`,
        ),
      );
      return compared;
    }
    const dump = await dumpTable(serverLocation(flags), args.name, { limit: flags.limit, key: flags.key });
    if (flags.csv) {
      process.stdout.write(dumpCsv(dump, process.stdout.isTTY === true));
      return dump;
    }
    const columns = dump.table.columns.map((column) => column.name);
    const cell = (value: string | number) => tableCell(value, { unserialize: !flags.raw });
    this.log(
      formatTable(
        ['KEY', ...columns.map((name) => printable(name))],
        dump.rows.map((row) => [tableCell(row.key), ...columns.map((name) => cell(row.values[name]!))]),
      ),
    );
    this.log(
      kleur.dim(
        `${dump.rows.length.toLocaleString('en')} of ${dump.table.used.toLocaleString('en')} rows (capacity ${dump.table.rows.toLocaleString('en')})`,
      ),
    );
    return dump;
  }
}
