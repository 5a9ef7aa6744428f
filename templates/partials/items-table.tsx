import type { ItemSortKey, LicenseItemView } from "../../src/domain/license-item";
import { CHARGE_WAY_LABELS, CHARGE_WAY_UNITS, Day, DemoBadge, StatusBadge, UsedOfTotal } from "../components/item-bits";
import { itemDetailsId, ITEMS_TABLE_ID } from "../targets";
import { useUrl } from "../view-context";

export interface ItemsQuery {
  sort: ItemSortKey;
  descending: boolean;
  showExpired: boolean;
  showRevoked: boolean;
}

const COLUMNS: { key: ItemSortKey | null; label: string }[] = [
  { key: "itemId", label: "Item" },
  { key: "description", label: "Description" },
  { key: "product", label: "Product" },
  { key: null, label: "Deployment" },
  { key: "chargeWay", label: "Charge way" },
  { key: "used", label: "Used" },
  { key: "startsAt", label: "Start" },
  { key: "expiresAt", label: "Expiry" },
  { key: "status", label: "Status" },
  { key: null, label: "Issuer" },
];

export function itemsQueryString(q: ItemsQuery, change: Partial<ItemsQuery> = {}): string {
  const n = { ...q, ...change };
  const params = new URLSearchParams({ sort: n.sort, dir: n.descending ? "desc" : "asc" });
  if (n.showExpired) params.set("expired", "1");
  if (n.showRevoked) params.set("revoked", "1");
  return params.toString();
}

/** The items table: the License Items page's swap target for sorting and filtering. */
export function ItemsTable(props: { items: LicenseItemView[]; query: ItemsQuery; hiddenCount: number }) {
  const url = useUrl();
  const { query } = props;
  return (
    <div id={ITEMS_TABLE_ID}>
      <div class="table-wrap">
      <table class="table items">
        <thead>
          <tr>
            <th scope="col" class="narrow">
              <span class="visually-hidden">Details</span>
            </th>
            {COLUMNS.map((col) => {
              if (!col.key) return <th scope="col">{col.label}</th>;
              const active = query.sort === col.key;
              const href = url(`/license-items?${itemsQueryString(query, { sort: col.key, descending: active ? !query.descending : false })}`);
              return (
                <th scope="col" aria-sort={active ? (query.descending ? "descending" : "ascending") : undefined}>
                  <a href={href} hx-get={href} hx-target={`#${ITEMS_TABLE_ID}`} hx-swap="outerHTML" hx-push-url="true" class="sort">
                    {col.label}
                    {active ? (query.descending ? " ▼" : " ▲") : ""}
                  </a>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => (
            <>
              <tr class={`item-row status-${item.status}`} id={`item-${item.rowId}`}>
                <td class="narrow">
                  <button
                    type="button"
                    class="button-icon"
                    aria-label={`Details of item ${item.itemId}`}
                    hx-get={url(`/license-items/${item.rowId}`)}
                    hx-target={`#${itemDetailsId(item.rowId)}`}
                    hx-swap="outerHTML"
                  >
                    ▸
                  </button>
                </td>
                <td>
                  <code>{item.itemId}</code>
                </td>
                <td>{item.description}</td>
                <td>
                  {item.product} {item.version} <span class="muted">{item.edition}</span>
                </td>
                <td>{item.deploymentTypes.join(", ")}</td>
                <td>{CHARGE_WAY_LABELS[item.chargeWay] ?? item.chargeWay}</td>
                <td>
                  <UsedOfTotal used={item.used} total={item.quantity} unit={CHARGE_WAY_UNITS[item.chargeWay]} />{" "}
                  <a href={url(`/statistics/item/${item.rowId}`)} aria-label={`Usage of item ${item.itemId}`}>
                    View usage
                  </a>
                </td>
                <td>
                  <Day at={item.startsAt} />
                </td>
                <td>
                  <Day at={item.expiresAt} />
                </td>
                <td>
                  <StatusBadge status={item.status} />
                </td>
                <td>
                  <code title={`Issuer key ${item.issuerKid}`}>{item.issuerKid.slice(0, 8)}</code> {item.demoIssuer && <DemoBadge />}
                </td>
              </tr>
              <ItemDetailsRow rowId={item.rowId} />
            </>
          ))}
        </tbody>
      </table>
      </div>
      {props.items.length === 0 && <p class="empty">{props.hiddenCount > 0 ? `No items to show; ${props.hiddenCount} expired or revoked item(s) are hidden by the filters.` : "No license items yet. Import a license file to add some."}</p>}
      {props.items.length > 0 && props.hiddenCount > 0 && <p class="hint">{props.hiddenCount} expired or revoked item(s) hidden.</p>}
    </div>
  );
}

/** The collapsed details row: empty, replaced by ItemDetails when opened. */
export function ItemDetailsRow(props: { rowId: number }) {
  return <tr id={itemDetailsId(props.rowId)} class="item-details-collapsed" hidden></tr>;
}

export function ItemDetails(props: { item: LicenseItemView }) {
  const url = useUrl();
  const { item } = props;
  return (
    <tr id={itemDetailsId(item.rowId)} class="item-details">
      <td colspan={COLUMNS.length + 1}>
        <dl class="details-grid">
          <dt>License</dt>
          <dd>
            {item.licenseId} · {item.licenseAlias}
          </dd>
          <dt>Licensee</dt>
          <dd>
            {item.licensee} (organization <code>{item.organizationId}</code>)
          </dd>
          <dt>Quantity</dt>
          <dd>
            {item.quantity.toLocaleString("en-US")}
            {item.windowDays ? ` devices active within ${item.windowDays} day(s)` : ""}
          </dd>
          <dt>Modules</dt>
          <dd>{item.modules.length > 0 ? item.modules.join(", ") : "all of the product"}</dd>
          <dt>Grace after expiry</dt>
          <dd>{item.graceDays} day(s)</dd>
          <dt>Handshake codes</dt>
          <dd>{item.codes.length > 0 ? item.codes.join(", ") : "none"}</dd>
          <dt>Devices</dt>
          <dd>
            <a href={url(`/devices?item=${item.rowId}`)}>See the devices of this item</a>
          </dd>
          {item.revokedAt && (
            <>
              <dt>Revoked</dt>
              <dd>
                <Day at={item.revokedAt} />
              </dd>
            </>
          )}
          <dt>Issuer key</dt>
          <dd>
            <code>{item.issuerKid}</code>
          </dd>
        </dl>
        <button type="button" class="button-quiet-dark" hx-get={url(`/license-items/${item.rowId}?collapse=1`)} hx-target={`#${itemDetailsId(item.rowId)}`} hx-swap="outerHTML">
          Close
        </button>
      </td>
    </tr>
  );
}
