/**
 * The header-like field blocks of `message/delivery-status` (RFC 3464) and
 * `message/feedback-report` (RFC 5965): `Name: value` lines, folded with leading whitespace,
 * groups separated by blank lines. Names are compared case-insensitively; repeated fields keep
 * every value.
 */
export type FieldGroup = Map<string, string[]>;

export function parseFieldGroups(text: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let current: FieldGroup | undefined;
  let last: { name: string; index: number } | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      current = undefined;
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && current && last) {
      const values = current.get(last.name) as string[];
      values[last.index] = `${values[last.index]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!current) {
      current = new Map();
      groups.push(current);
    }
    const values = current.get(name);
    if (values) values.push(value);
    else current.set(name, [value]);
    last = { name, index: (current.get(name) as string[]).length - 1 };
  }
  return groups;
}

export function field(group: FieldGroup, name: string): string | null {
  return group.get(name)?.[0] ?? null;
}

export function fields(group: FieldGroup, name: string): string[] {
  return group.get(name) ?? [];
}

/** `rfc822; <a@b>` → `a@b`; `dns; mx.example.com. (1.2.3.4, …)` → `mx.example.com`. Type prefixes are optional. */
export function typedValue(value: string | null): { type: string | null; value: string } | null {
  if (value === null) return null;
  const m = /^([A-Za-z0-9-]+)\s*;\s*([\s\S]*)$/.exec(value);
  return m ? { type: (m[1] as string).toLowerCase(), value: (m[2] as string).trim() } : { type: null, value: value.trim() };
}

export function addressValue(value: string | null): string | null {
  const typed = typedValue(value);
  if (!typed) return null;
  const address = typed.value.replace(/\s*\(.*\)\s*$/, '').replace(/^<(.*)>$/, '$1').trim();
  return address === '' ? null : address;
}

/** A host from `dns; name (comment)`, with the first IP literal found in it or its comment. */
export function hostValue(value: string | null): { name: string; addr: string | null } | null {
  const typed = typedValue(value);
  if (!typed || typed.value === '') return null;
  const ip = /\b(\d{1,3}(?:\.\d{1,3}){3})\b|\[?((?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4})\]?/i.exec(typed.value);
  const name = (typed.value.split(/[\s([]/, 1)[0] as string).replace(/\.$/, '');
  return { name, addr: ip ? ((ip[1] ?? ip[2]) as string) : null };
}

/** RFC 5322 dates to ISO 8601; text that does not parse is returned as is. */
export function dateValue(value: string | null): string | null {
  if (value === null || value === '') return null;
  const ms = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}
