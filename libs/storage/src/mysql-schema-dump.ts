import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { createStorage } from './create-storage.js';
import { createScratchMysqlDatabase, DEFAULT_MYSQL_SERVER_URI } from './mysql-scratch-database.js';

const HEADER = `-- Switchboard MySQL schema (MySQL 8 / MariaDB 10.11), generated from the migrations in
-- libs/storage/src/migrations by \`npx tsx libs/storage/src/dump-schema.ts\`; a test keeps the two
-- equal, so change the migrations, never this file. The services create the schema themselves
-- (migrate() at start-up), which also records what it applied in kysely_migration and
-- kysely_migration_lock; this file is the reference for reviewers and operators.
`;

/**
 * Applies every migration to a fresh scratch database on the server and returns the resulting
 * DDL: `SHOW CREATE TABLE` of each table by name, with the values that depend on the data
 * (AUTO_INCREMENT=N) removed, and the migrator's own tables left out.
 */
export async function dumpMysqlSchema(serverUri: string = DEFAULT_MYSQL_SERVER_URI): Promise<string> {
  const scratch = await createScratchMysqlDatabase(serverUri, 'sb_schema');
  try {
    const storage = await createStorage({ dialect: 'mysql', uri: scratch.uri, poolSize: 1 });
    try {
      await storage.migrate();
    } finally {
      await storage.close();
    }
    const connection = await createConnection({ uri: scratch.uri });
    try {
      const [tables] = await connection.query<Array<{ name: string } & RowDataPacket>>(
        'select table_name as name from information_schema.tables where table_schema = database() order by table_name',
      );
      const statements: string[] = [];
      for (const { name } of tables) {
        if (name.startsWith('kysely_')) continue;
        const [rows] = await connection.query<RowDataPacket[]>(`show create table \`${name}\``);
        statements.push(`${normalise(String(rows[0]?.['Create Table']))};\n`);
      }
      return `${HEADER}\n${statements.join('\n')}`;
    } finally {
      await connection.end();
    }
  } finally {
    await scratch.drop();
  }
}

function normalise(createTable: string): string {
  return createTable.replace(/ AUTO_INCREMENT=\d+/, '');
}
