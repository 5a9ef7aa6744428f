import { ITEM_STATUSES, STATUS_LABELS } from "../../src/domain/item-status";
import type { ItemSummary } from "../../src/domain/license-item";
import { Day } from "./item-bits";
import { useUrl } from "../view-context";

/** Home's license summary: items by status, the nearest expiry, and what needs attention. */
export function LicenseSummary(props: { summary: ItemSummary }) {
  const url = useUrl();
  const s = props.summary;
  if (s.total === 0) {
    return (
      <p class="empty" id="license-summary">
        No licenses yet. <a href={url("/import-license-file")}>Import License File</a> to add the items your vendor activated for this server.
      </p>
    );
  }
  const shown = ITEM_STATUSES.filter((status) => s.byStatus[status] > 0);
  return (
    <div id="license-summary">
      <div class="summary">
        {shown.map((status) => (
          <a href={url(`/license-items?sort=status${status === "expired" ? "&expired=1" : status === "revoked" ? "&revoked=1" : ""}`)} class={`summary-${status}`}>
            <span class="count">{s.byStatus[status]}</span> {STATUS_LABELS[status]}
          </a>
        ))}
      </div>
      {s.nearestExpiry && (
        <p>
          Nearest expiry: item <code>{s.nearestExpiry.itemId}</code> ({s.nearestExpiry.description}) on <Day at={s.nearestExpiry.expiresAt} />.
        </p>
      )}
      {s.expiringSoon.length > 0 && (
        <p class="banner banner-warn" role="note">
          {s.expiringSoon.length} item(s) expire within 30 days or are in their grace period. Ask your vendor for a renewal.
        </p>
      )}
      {s.demoIssuer && (
        <p class="banner banner-warn" role="note">
          Some items are signed by the demo issuer: fine for trying LTS out, not for production.
        </p>
      )}
    </div>
  );
}
