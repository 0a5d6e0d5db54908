import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from './errors.js';

// Like fastify's errors test: the published table and the code may never drift apart.
const DOC = new URL('../../../docs/errors.md', import.meta.url);

interface DocumentedCode {
  code: number;
  name: string;
  meaning: string;
  retryable: boolean;
  closeAction: string | undefined;
}

function parseErrorTables(markdown: string): DocumentedCode[] {
  const rows: DocumentedCode[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.trim().split('|');
    // A table row is "| code | `NAME` | meaning | yes/no | action |": 5 cells between 6 pipes.
    if (cells.length !== 7 || !/^\s*\d+\s*$/.test(cells[1]!)) continue;
    const [code, name, meaning, retry, onClose] = cells.slice(1, 6).map((c) => c.trim()) as [
      string,
      string,
      string,
      string,
      string,
    ];
    expect(retry, `Retry? of code ${code}`).toMatch(/^(yes|no)$/);
    rows.push({
      code: Number(code),
      name: name.replace(/^`(.*)`$/, '$1'),
      meaning,
      retryable: retry === 'yes',
      closeAction: onClose === '—' ? undefined : onClose,
    });
  }
  return rows;
}

describe('docs/errors.md', () => {
  const documented = parseErrorTables(readFileSync(DOC, 'utf8'));

  it('documents every catalog code with the same name, meaning, retry and close action, and nothing else', () => {
    expect(documented).toEqual(
      ERROR_CATALOG.map(({ code, name, meaning, retryable, closeAction }) => ({
        code,
        name,
        meaning,
        retryable,
        closeAction,
      })),
    );
  });
});
