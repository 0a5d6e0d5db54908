// Microbenchmark of the text of a MySQL append request as logic writes it (libs/storage's
// sql-text.ts and mysql-literal.ts): the rows of 20 1:1 sends (messages with 100-byte bodies and
// millisecond timestamps, two inbox rows each, dedupe records) written with their values into one
// SQL text, as append-pipelined.ts sends it. Reports requests/s and µs per send; for a before/after
// comparison run it on both trees, alternating (the machine is noisy).
// Run: npx tsx bench/messaging/sql-text.bench.ts   (about 10 s)
import { insertRows, type RowsStatement } from '../../libs/storage/src/append-sql.js';
import { DEDUPE_ROWS, INBOX_ROWS, MESSAGE_ROWS } from '../../libs/storage/src/append-writes.js';
import { writeStatements } from '../../libs/storage/src/sql-text.js';
import { nsPerOp } from '../shared/ns-per-op.js';

const SENDS = 20;
const ROUNDS = 5;
const MEASURE_MS = 1500;

/** The append's own statement over `rows` rows, each row's values from `row(i)`. */
const statement = (rows: RowsStatement, count: number, row: (i: number) => unknown[]) => ({
  text: insertRows(rows.table, rows.columns, rows.row, count),
  parameters: Array.from({ length: count }, (_, i) => row(i)).flat(),
});

const content = new Uint8Array(100).fill(120);
const now = 1_764_720_000_000;
const statements = [
  statement(MESSAGE_ROWS, SENDS, (i) => [
    'bench',
    'user',
    `5:u${i}:u${i + 1000}`,
    1000 + i,
    `u${i}`,
    'd1',
    `u${i + 1000}`,
    `m-${i}-0123456789`,
    'text/plain',
    content,
    now + i,
  ]),
  statement(INBOX_ROWS, SENDS * 2, (i) => ['bench', `u${i}`, 50_000 + i, 7_000_000 + i]),
  statement(DEDUPE_ROWS, SENDS, (i) => [
    'bench',
    `u${i}`,
    `m-${i}-0123456789`,
    7_000_000 + i,
    1000 + i,
    now + i,
  ]),
];

// The texts' total length, printed, so that no round's work can be optimised away.
let written = 0;
let requestsMade = 0;
const request = () => {
  written += writeStatements(statements).length;
  requestsMade++;
};
const rates: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  rates.push(
    1e9 /
      nsPerOp(request, { warmupMs: round === 1 ? MEASURE_MS : 0, measureMs: MEASURE_MS, callsPerCheck: 100 }),
  );
  process.stderr.write(`[sql-text] round ${round}/${ROUNDS}\n`);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)]!;
console.log(
  `[sql-text] ${SENDS} sends per request, ${Math.round(written / requestsMade)} characters: median ${Math.round(median).toLocaleString('en-US')} requests/s, ` +
    `${(1e6 / median / SENDS).toFixed(2)} µs per send (rounds: ${rates.map((r) => Math.round(r)).join(', ')})`,
);
