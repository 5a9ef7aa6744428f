import type { HandshakeCodeView } from "../../src/domain/handshake-code";
import { Day, StatusBadge } from "../components/item-bits";
import { PostButton } from "../components/post-button";
import { CONSUMPTION_ORDER_ID } from "../targets";

/** A code's items in the order they serve requests, with up/down buttons: the edit page's swap target. */
export function ConsumptionOrder(props: { code: Pick<HandshakeCodeView, "code" | "items" | "customOrder"> }) {
  const { code, items, customOrder } = props.code;
  const target = `#${CONSUMPTION_ORDER_ID}`;
  return (
    <section id={CONSUMPTION_ORDER_ID} class="order" aria-labelledby="consumption-order-heading">
      <h2 id="consumption-order-heading">Consumption order</h2>
      <p class="hint">
        A request is served by the first item that fits it and has capacity.{" "}
        {customOrder ? (
          <strong>This code keeps the order set here.</strong>
        ) : (
          "Default order: the item that expires first, then the narrower one (fewer deployment types and modules), then the item id."
        )}
      </p>
      {items.length === 0 ? (
        <p class="empty">This code has no items.</p>
      ) : (
        <ol class="order-list">
          {items.map((item, i) => (
            <li>
              <span class="order-item">
                <code>{item.itemId}</code> {item.description} <StatusBadge status={item.status} /> <span class="muted">expires</span> <Day at={item.expiresAt} />
              </span>
              <span class="order-buttons">
                <PostButton action={`/configurations/${code}/order/${item.rowId}/up`} target={target} label={`Move item ${item.itemId} up`} disabled={i === 0}>
                  ↑
                </PostButton>
                <PostButton action={`/configurations/${code}/order/${item.rowId}/down`} target={target} label={`Move item ${item.itemId} down`} disabled={i === items.length - 1}>
                  ↓
                </PostButton>
              </span>
            </li>
          ))}
        </ol>
      )}
      {customOrder && (
        <PostButton action={`/configurations/${code}/order/reset`} target={target} label="Reset to the default order" class="button-quiet-dark">
          Reset to the default order
        </PostButton>
      )}
    </section>
  );
}
