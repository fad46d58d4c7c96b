/**
 * RFC 4180 CSV: fields separated by commas, records by CRLF (LF accepted), fields quoted with
 * double quotes when they hold a comma, a quote or a line break, quotes doubled inside. Enough
 * for the suppression exports of MTAs and ESPs, which all write this dialect.
 */

const UNQUOTED = /[^,\r\n]*/y;

/** Parses CSV text into rows of fields. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark, as spreadsheet exports write it
  while (i < n) {
    let end = text.indexOf('\n', i);
    if (end === -1) end = n;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(i, end - 1) : text.slice(i, end);
    // Most lines quote nothing: split them directly.
    if (!line.includes('"')) {
      if (line !== '') rows.push(line.split(','));
      i = end + 1;
      continue;
    }
    const [row, next] = quotedRecord(text, i);
    rows.push(row);
    i = next;
  }
  return rows;
}

/** Reads one record that has quoted fields (which may span lines); returns it and where the next starts. */
function quotedRecord(text: string, start: number): [string[], number] {
  const fields: string[] = [];
  const n = text.length;
  let i = start;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          value += text.slice(j);
          j = n;
          break;
        }
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      i = j;
    }
    // Unquoted text (or stray text after a closing quote, kept as written).
    UNQUOTED.lastIndex = i;
    const rest = UNQUOTED.exec(text)?.[0] ?? '';
    value += rest;
    i += rest.length;
    fields.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    return [fields, i];
  }
}

/** Renders one row, quoting only the fields that need it. */
export function csvRow(fields: readonly (string | number | null)[]): string {
  return `${fields.map((f) => {
    const s = f === null ? '' : String(f);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',')}\r\n`;
}
