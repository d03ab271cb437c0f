import kleur from 'kleur';
import { BaseCommand } from '../../cli/base-command.js';
import { formatBytes, formatTable, printable } from '../../cli/format.js';
import { listTables, type TableList } from '../../runtime/control/table-inspect.js';
import { serverLocation, serverLocationFlags } from '../../cli/server-flags.js';

export default class ListTables extends BaseCommand {
  static override description = "List the running server's shared tables: columns, rows used of capacity, memory.";

  static override examples = [
    '<%= config.bin %> table:list',
    '<%= config.bin %> table:list --json',
    '<%= config.bin %> table:list --root ./my-app',
  ];

  static override enableJsonFlag = true;

  static override flags = { ...serverLocationFlags };

  async run(): Promise<TableList> {
    const { flags } = await this.parse(ListTables);
    const list = await listTables(serverLocation(flags));
    this.log(
      formatTable(
        ['TABLE', 'ROWS', 'CAPACITY', 'MEMORY', 'COLUMNS'],
        list.tables.map((table) => [
          kleur.bold(printable(table.name)),
          table.used.toLocaleString('en'),
          table.rows.toLocaleString('en'),
          formatBytes(table.bytes),
          table.columns
            .map(
              (column) =>
                `${printable(column.name)} ${column.type === 'string' ? `string:${column.size}` : column.type}`,
            )
            .join(', '),
        ]),
      ),
    );
    return list;
  }
}
