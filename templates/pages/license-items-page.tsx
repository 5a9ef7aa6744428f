import type { ImportKind } from "../../src/domain/license-import";
import type { LicenseItemView } from "../../src/domain/license-item";
import { FormMessage } from "../components/form";
import { AppLayout } from "../layouts/app-layout";
import { ItemsTable, itemsQueryString, type ItemsQuery } from "../partials/items-table";
import { ITEMS_TABLE_ID } from "../targets";
import { useUrl } from "../view-context";

export interface LicenseItemsPageProps {
  items: LicenseItemView[];
  query: ItemsQuery;
  hiddenCount: number;
  /** Set right after an import, to say what it did. */
  imported?: { licenseId: string; kind: ImportKind; code?: string };
}

export function importNotice(i: NonNullable<LicenseItemsPageProps["imported"]>): string {
  switch (i.kind) {
    case "new":
      return `License ${i.licenseId} imported.${i.code ? ` Its items are attached to handshake code ${i.code}.` : ""}`;
    case "rebind":
      return `License ${i.licenseId} is now bound to this server; its items and their usage are kept.`;
    case "update":
      return `License ${i.licenseId} updated from the newer file; usage is kept.${i.code ? ` New items are attached to ${i.code}.` : ""}`;
    case "revocation":
      return "Revocation imported: the revoked items no longer serve clients.";
    case "no-op":
      return `License ${i.licenseId} was already imported from this file; nothing changed.`;
  }
}

/** Every item of every imported license: sortable, expired and revoked hidden unless asked for. */
export function LicenseItemsPage(props: LicenseItemsPageProps) {
  const url = useUrl();
  const { query } = props;
  return (
    <AppLayout title="License Items">
      <FormMessage message={props.imported && importNotice(props.imported)} kind="ok" />
      <form class="filters" method="get" action={url("/license-items")} hx-get={url("/license-items")} hx-target={`#${ITEMS_TABLE_ID}`} hx-swap="outerHTML" hx-trigger="change" hx-push-url="true">
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="dir" value={query.descending ? "desc" : "asc"} />
        <label>
          <input type="checkbox" name="expired" value="1" checked={query.showExpired} /> Show expired items
        </label>
        <label>
          <input type="checkbox" name="revoked" value="1" checked={query.showRevoked} /> Show revoked items
        </label>
        <noscript>
          <button type="submit">Apply</button>
        </noscript>
        <a class="button-link" href={url("/import-license-file")}>
          Import License File
        </a>
      </form>
      <ItemsTable items={props.items} query={query} hiddenCount={props.hiddenCount} />
      <p class="hint">
        <a href={url(`/license-items?${itemsQueryString(query)}`)}>Link to this view</a>
      </p>
    </AppLayout>
  );
}
