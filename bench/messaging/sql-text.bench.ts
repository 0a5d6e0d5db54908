// Microbenchmark of the text of a MySQL append request as logic writes it (libs/storage's
// sql-text.ts and mysql-literal.ts): the rows of 20 1:1 sends (messages with 100-byte bodies and
// millisecond timestamps, two inbox rows each, dedupe records) written with their values into one
// SQL text, as append-pipelined.ts sends it. Reports requests/s and µs per send; for a before/after
// comparison run it on both trees, alternating (the machine is noisy).
// Run: npx tsx bench/messaging/sql-text.bench.ts   (about 10 s)
import { insertRows } from '../../libs/storage/src/append-sql.js';
import { writeStatements } from '../../libs/storage/src/sql-text.js';

const SENDS = 20;
const ROUNDS = 5;
const MEASURE_MS = 1500;

const messages = insertRows(
  'messages',
  [
    'app_id',
    'conversation_type',
    'conversation_id',
    'conversation_seq',
    'sender_user_id',
    'sender_device_id',
  ],
  ['?', "'user'", '?', '?', '?', '?'],
  SENDS,
);
const inbox = insertRows(
  'inbox',
  ['app_id', 'user_id', 'seq', 'message_id'],
  ['?', '?', '?', '?'],
  SENDS * 2,
);
const dedupe = insertRows(
  'send_dedupe',
  ['app_id', 'sender_user_id', 'client_msg_id', 'message_id', 'conversation_seq', 'sent_at', 'content'],
  ['?', '?', '?', '?', '?', '?', '?'],
  SENDS,
);

const content = new Uint8Array(100).fill(120);
const now = 1_764_720_000_000;
const statements = [
  {
    text: messages,
    parameters: Array.from({ length: SENDS }, (_, i) => [
      'bench',
      `5:u${i}:u${i + 1000}`,
      1000 + i,
      `u${i}`,
      'd1',
    ]).flat(),
  },
  {
    text: inbox,
    parameters: Array.from({ length: SENDS * 2 }, (_, i) => [
      'bench',
      `u${i}`,
      50_000 + i,
      7_000_000 + i,
    ]).flat(),
  },
  {
    text: dedupe,
    parameters: Array.from({ length: SENDS }, (_, i) => [
      'bench',
      `u${i}`,
      `m-${i}-0123456789`,
      7_000_000 + i,
      1000 + i,
      now + i,
      content,
    ]).flat(),
  },
];

// The texts' total length, printed, so that no round's work can be optimised away.
let written = 0;
const rates: number[] = [];
let requestsMade = 0;
for (let round = 0; round <= ROUNDS; round++) {
  let requests = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 100; i++) written += writeStatements(statements).length;
    requests += 100;
    requestsMade += 100;
    elapsed = performance.now() - start;
  } while (elapsed < MEASURE_MS);
  // Round 0 warms up the JIT.
  if (round > 0) rates.push(requests / (elapsed / 1000));
  process.stderr.write(`[sql-text] round ${round}/${ROUNDS}\n`);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)]!;
console.log(
  `[sql-text] ${SENDS} sends per request, ${Math.round(written / requestsMade)} characters: median ${Math.round(median).toLocaleString('en-US')} requests/s, ` +
    `${(1e6 / median / SENDS).toFixed(2)} µs per send (rounds: ${rates.map((r) => Math.round(r)).join(', ')})`,
);
