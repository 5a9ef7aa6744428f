/**
 * The Devices page lists one page at a time (DESIGN.md, "Devices"): keyset pagination over an
 * index, so a page costs the same whether an item has ten devices or a million. A cursor names
 * the key of the row next to the page (and its position, for "showing 51–100"); it is opaque in
 * the URL but checked strictly when it comes back.
 */

/** Which table the page shows: the devices, or the domains of `domain` items. */
export const DEVICE_LISTS = ["devices", "domains"] as const;
export type DeviceList = (typeof DEVICE_LISTS)[number];

/** newest/oldest: by last contact; "id": by device uuid (or domain name). */
export const DEVICE_SORTS = ["newest", "oldest", "id"] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

/** A search is a prefix of the id (device uuid or domain) or of the device's name. */
export const DEVICE_SEARCH_FIELDS = ["id", "name"] as const;
export type DeviceSearchField = (typeof DEVICE_SEARCH_FIELDS)[number];

/** Rows per page: `size` in the URL, else the admin's default (settings), else 50. */
export const PAGE_SIZE = { min: 10, max: 200, default: 50 } as const;
export const PAGE_SIZE_CHOICES = [10, 25, 50, 100, 200] as const;

export type CursorKey = (string | number)[];

/** The key of the row beside a page, and that row's 1-based position in the list. */
export interface Cursor {
  key: CursorKey;
  position: number;
}

/** What the URL asks for; `after` and `before` are mutually exclusive. */
export interface DeviceListQuery {
  list: DeviceList;
  q: string;
  field: DeviceSearchField;
  sort: DeviceSort;
  size: number;
  after?: Cursor;
  before?: Cursor;
}

/** One page of a list: its rows, the position of the first, and the cursors of its neighbours. */
export interface Page<T> {
  rows: T[];
  /** 1-based position of rows[0] in the whole list. */
  first: number;
  /** Encoded cursors for the Previous and Next links; null at either end. */
  previous: string | null;
  next: string | null;
}

/** The order a query shows: by the search field while searching (that is what its index yields), else by `sort`. */
export function effectiveOrder(query: Pick<DeviceListQuery, "q" | "field" | "sort">): "newest" | "oldest" | "id" | "name" {
  if (query.q) return query.field;
  return query.sort;
}

/** The kinds of a key's parts for an order: what a cursor of that order must hold. */
export function cursorKinds(order: ReturnType<typeof effectiveOrder>): ("number" | "text")[] {
  return order === "id" ? ["text"] : order === "name" ? ["text", "text"] : ["number", "text"];
}

/**
 * "51.1764331200000.dev-000050": the position, then the key's parts, dot-separated; text parts are
 * percent-encoded (dots too), so the cursor stays short and readable in the URL.
 */
export function encodeCursor(cursor: Cursor): string {
  return [String(cursor.position), ...cursor.key.map((k) => (typeof k === "number" ? String(k) : encodeURIComponent(k).replaceAll(".", "%2E")))].join(".");
}

/** The cursor, or null when the text is not one this server wrote for a key of these kinds. */
export function decodeCursor(text: string, kinds: readonly ("number" | "text")[]): Cursor | null {
  if (text.length > 2000) return null;
  const [position, ...parts] = text.split(".");
  if (parts.length !== kinds.length || !/^[0-9]{1,15}$/.test(position!)) return null;
  const key: CursorKey = [];
  for (const [i, part] of parts.entries()) {
    if (kinds[i] === "number") {
      if (!/^-?[0-9]{1,16}$/.test(part) || !Number.isSafeInteger(Number(part))) return null;
      key.push(Number(part));
    } else {
      try {
        key.push(decodeURIComponent(part));
      } catch {
        return null;
      }
    }
  }
  return { position: Number(position), key };
}
