// What a server holds per connection, by kind of object: the difference between two V8 heap
// snapshots (bench:idle --heap-snapshots DIR writes one before the connections and one with them
// held), grouped by node type and constructor / name, divided by the number of connections.
// Run: npx tsx bench/idle/heap-diff.ts BEFORE.heapsnapshot IDLE.heapsnapshot CONNECTIONS [TOP]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and count per "type: name" of one snapshot. */
function tally(file: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const t = types[s.nodes[i + type]!]!;
    // Strings and code are grouped by type only: their "name" is their content.
    const label = ['string', 'concatenated string', 'sliced string', 'code', 'number'].includes(t)
      ? t
      : `${t}: ${s.strings[s.nodes[i + name]!]!.slice(0, 60)}`;
    const e = out.get(label) ?? { bytes: 0, count: 0 };
    e.bytes += s.nodes[i + size]!;
    e.count++;
    out.set(label, e);
  }
  return out;
}

const [beforeFile, idleFile, connections, top = '25'] = process.argv.slice(2);
if (!beforeFile || !idleFile || !connections) {
  throw new Error('usage: heap-diff.ts BEFORE.heapsnapshot IDLE.heapsnapshot CONNECTIONS [TOP]');
}
const n = Number(connections);
const before = tally(beforeFile);
const idle = tally(idleFile);
const rows = [...idle].map(([label, e]) => {
  const b = before.get(label) ?? { bytes: 0, count: 0 };
  return { label, bytes: (e.bytes - b.bytes) / n, count: (e.count - b.count) / n };
});
rows.sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`per connection: ${total.toFixed(0)} B in all`);
console.log('bytes/conn  objects/conn  type: name');
for (const r of rows.slice(0, Number(top))) {
  console.log(`${r.bytes.toFixed(1).padStart(10)}  ${r.count.toFixed(2).padStart(12)}  ${r.label}`);
}
