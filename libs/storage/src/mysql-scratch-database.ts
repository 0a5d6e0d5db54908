import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/** Where tests and the schema dump find a MySQL server they may create databases on. */
export const DEFAULT_MYSQL_SERVER_URI = 'mysql://root@127.0.0.1:3306';

/** A throw-away database on a MySQL server. */
export interface ScratchMysqlDatabase {
  readonly name: string;
  /** The server URI with this database selected. */
  readonly uri: string;
  /** Drops the database; safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `<prefix>_<random>` so that parallel runs never share one.
 * Used by the schema dump and by tests of anything built on the storage.
 */
export async function createScratchMysqlDatabase(
  serverUri: string = DEFAULT_MYSQL_SERVER_URI,
  prefix = 'sb_test',
): Promise<ScratchMysqlDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUri, `create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
  const uri = new URL(serverUri);
  uri.pathname = `/${name}`;
  return {
    name,
    uri: uri.toString(),
    drop: () => onServer(serverUri, `drop database if exists \`${name}\``),
  };
}

/**
 * Creates the database that `databaseUri` names when it does not exist yet (the cluster launcher
 * and first-time deployments), connecting to the same server without a database selected.
 * Resolves with the database name.
 */
export async function ensureMysqlDatabase(databaseUri: string): Promise<string> {
  const { server, name } = databaseOf(databaseUri);
  await onServer(
    server,
    `create database if not exists \`${name}\` character set utf8mb4 collate utf8mb4_bin`,
  );
  return name;
}

/**
 * Drops the database that `databaseUri` names, if it exists: the teardown of tests that let the
 * cluster launcher create their database.
 */
export async function dropMysqlDatabase(databaseUri: string): Promise<void> {
  const { server, name } = databaseOf(databaseUri);
  await onServer(server, `drop database if exists \`${name}\``);
}

/** The server URI (no database selected) and the checked database name of a database URI. */
function databaseOf(databaseUri: string): { server: string; name: string } {
  const uri = new URL(databaseUri);
  const name = decodeURIComponent(uri.pathname.replace(/^\/+/, ''));
  if (!/^[A-Za-z0-9_$-]+$/.test(name)) {
    throw new Error(
      `MySQL URI mysql://${uri.host}/${name}: expected a database name of letters, digits, _ $ or -`,
    );
  }
  uri.pathname = '/';
  return { server: uri.toString(), name };
}

async function onServer(serverUri: string, statement: string): Promise<void> {
  const connection = await createConnection({ uri: serverUri });
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}
