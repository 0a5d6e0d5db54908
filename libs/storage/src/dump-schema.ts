/*
 * Regenerates sql/schema.sql from the migrations, or with --check fails when it is stale.
 *   npx tsx libs/storage/src/dump-schema.ts [--check]
 * The MySQL server comes from SWITCHBOARD_MYSQL_URI (default mysql://root@127.0.0.1:3306).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dumpMysqlSchema } from './mysql-schema-dump.js';
import { DEFAULT_MYSQL_SERVER_URI } from './mysql-scratch-database.js';

const target = fileURLToPath(new URL('../../../sql/schema.sql', import.meta.url));
const schema = await dumpMysqlSchema(process.env['SWITCHBOARD_MYSQL_URI'] ?? DEFAULT_MYSQL_SERVER_URI);

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== schema) {
    process.stderr.write(`${target} is stale: run npx tsx libs/storage/src/dump-schema.ts\n`);
    process.exitCode = 1;
  }
} else {
  await writeFile(target, schema);
  process.stdout.write(`wrote ${target}\n`);
}
