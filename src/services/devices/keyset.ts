import type { Database, SQLQueryBindings } from "bun:sqlite";
import { encodeCursor, type Cursor, type CursorKey, type Page } from "../../domain/device-list";

/**
 * One keyset-paged query over one item: `from` and `where` narrow it to the item (and search),
 * `key` is the ORDER BY, which an index must yield (no sort step), so a page reads `size` rows
 * and not the item's whole list. The key's last column makes it unique.
 */
export interface KeysetQuery {
  select: string;
  where: string[];
  params: SQLQueryBindings[];
  key: string[];
  descending: boolean;
  /** A prefix search on the key's first column: `key[0] >= lo AND key[0] < hi`. */
  prefix?: [string, string];
}

/**
 * The rows of `queries` (one per item: a code's items are merged here) just beyond `from` in
 * display order (`forward`) or before it (nearest first), at most `limit` of them.
 */
export function fetchBeyond<T extends object>(db: Database, queries: KeysetQuery[], keyOf: (row: T) => CursorKey, descending: boolean, from: CursorKey | undefined, forward: boolean, limit: number): T[] {
  const ascending = forward !== descending;
  const rows = queries.flatMap((q) => {
    const where = [...q.where];
    const params = [...q.params];
    if (from) {
      where.push(`(${q.key.join(", ")}) ${ascending ? ">" : "<"} (${q.key.map(() => "?").join(", ")})`);
      params.push(...from);
    }
    // The cursor lies inside the prefix range, so it replaces the prefix bound on its own side:
    // SQLite uses one bound per side, and it must be the cursor, or a page deep in a search
    // would first skip every match before it.
    if (q.prefix && (!from || !ascending)) where.push(`${q.key[0]} >= ?`), params.push(q.prefix[0]);
    if (q.prefix && (!from || ascending)) where.push(`${q.key[0]} < ?`), params.push(q.prefix[1]);
    const sql = `${q.select} WHERE ${where.join(" AND ")} ORDER BY ${q.key.map((k) => `${k} ${ascending ? "ASC" : "DESC"}`).join(", ")} LIMIT ${limit}`;
    return db.query<T, SQLQueryBindings[]>(sql).all(...params);
  });
  if (queries.length === 1) return rows;
  const sign = ascending ? 1 : -1;
  return rows.sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b))).slice(0, limit);
}

/**
 * The page `cursor` asks for. Fetches one row more than the page to learn whether a next (or
 * previous) page exists, and probes one row the other way; a Previous that finds fewer rows than
 * a page (rows were added or removed meanwhile) becomes the first page.
 */
export function keysetPage<T extends object>(
  fetch: (from: CursorKey | undefined, forward: boolean, limit: number) => T[],
  keyOf: (row: T) => CursorKey,
  input: { size: number; after?: Cursor; before?: Cursor },
): Page<T> {
  const { size } = input;
  const firstPage = () => {
    const rows = fetch(undefined, true, size + 1);
    return finish(rows.slice(0, size), 1, false, rows.length > size);
  };
  const finish = (rows: T[], first: number, hasPrevious: boolean, hasNext: boolean): Page<T> => ({
    rows,
    first,
    previous: hasPrevious && rows.length > 0 ? encodeCursor({ key: keyOf(rows[0]!), position: first }) : null,
    next: hasNext && rows.length > 0 ? encodeCursor({ key: keyOf(rows.at(-1)!), position: first + rows.length - 1 }) : null,
  });
  if (input.before) {
    const rows = fetch(input.before.key, false, size + 1);
    if (rows.length <= size) return firstPage();
    const page = rows.slice(0, size).reverse();
    const hasNext = fetch(keyOf(page.at(-1)!), true, 1).length > 0;
    return finish(page, Math.max(2, input.before.position - size), true, hasNext);
  }
  if (input.after) {
    const rows = fetch(input.after.key, true, size + 1);
    const page = rows.slice(0, size);
    if (page.length === 0) return firstPage();
    const hasPrevious = fetch(keyOf(page[0]!), false, 1).length > 0;
    return finish(page, hasPrevious ? input.after.position + 1 : 1, hasPrevious, rows.length > size);
  }
  return firstPage();
}

/** SQLite's order for the key values: numbers by value, text by its UTF-8 bytes (BINARY collation). */
export function compareKeys(a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    const c = typeof x === "number" && typeof y === "number" ? x - y : Buffer.compare(Buffer.from(String(x)), Buffer.from(String(y)));
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** The bounds of a prefix search on an indexed text column: `col >= lo AND col < hi`. */
export function prefixRange(prefix: string): [string, string] {
  return [prefix, `${prefix}\u{10FFFF}`];
}
