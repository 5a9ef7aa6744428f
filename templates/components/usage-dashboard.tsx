import type { UsageDashboard as Dashboard } from "../../src/domain/dashboard";
import { CHARGE_WAY_UNITS, Day, UsedOfTotal } from "./item-bits";

/**
 * Home's usage block: the figures of the last 24 hours and now, per serving item a bar of its
 * Used figure (a <meter> with its value in words, so the colour carries no meaning alone), and
 * the items nearest their limit and their expiry.
 */
export function UsageDashboard(props: { usage: Dashboard }) {
  const u = props.usage;
  return (
    <div id="usage-dashboard">
      <dl class="facts" id="usage-figures">
        <Figure label="Devices active now" value={u.devicesActive} />
        <Figure label="Authorizations granted (24 h)" value={u.last24h.granted} />
        <Figure label="Authorizations refused (24 h)" value={u.last24h.refused} />
      </dl>
      {u.items.length > 0 && (
        <div class="table-wrap">
          <table class="table" id="usage-bars">
            <caption>Used, per serving item</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Description</th>
                <th scope="col">Used</th>
              </tr>
            </thead>
            <tbody>
              {u.items.map(({ item }) => (
                <tr>
                  <td>
                    <code>{item.itemId}</code>
                  </td>
                  <td>{item.description}</td>
                  <td>
                    <UsedOfTotal used={item.used} total={item.quantity} unit={CHARGE_WAY_UNITS[item.chargeWay]} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="dashboard-lists">
        <section aria-labelledby="nearest-limit-heading">
          <h3 id="nearest-limit-heading">Nearest their limit</h3>
          {u.nearestLimit.length === 0 ? (
            <p class="empty">No item is in use yet.</p>
          ) : (
            <ol id="nearest-limit">
              {u.nearestLimit.map(({ item, percent }) => (
                <li>
                  <code>{item.itemId}</code> {item.description}: <strong>{percent} %</strong> used
                </li>
              ))}
            </ol>
          )}
        </section>
        <section aria-labelledby="nearest-expiry-heading">
          <h3 id="nearest-expiry-heading">Nearest their expiry</h3>
          {u.nearestExpiry.length === 0 ? (
            <p class="empty">No item is serving clients.</p>
          ) : (
            <ol id="nearest-expiry">
              {u.nearestExpiry.map(({ item, daysLeft }) => (
                <li>
                  <code>{item.itemId}</code> {item.description}: <Day at={item.expiresAt} />,{" "}
                  <strong>{daysLeft > 0 ? `${daysLeft} ${daysLeft === 1 ? "day" : "days"} left` : "expired, in grace"}</strong>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </div>
  );
}

function Figure(props: { label: string; value: number }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd>{props.value.toLocaleString("en-US")}</dd>
    </div>
  );
}
