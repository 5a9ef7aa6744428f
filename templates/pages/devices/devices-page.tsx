import type { DeviceView, DomainView } from "../../../src/domain/device";
import { CHARGE_WAY_LABELS, Day } from "../../components/item-bits";
import { PostButton } from "../../components/post-button";
import { AppLayout } from "../../layouts/app-layout";
import { DEVICES_TABLE_ID } from "../../targets";
import { useUrl } from "../../view-context";

export interface DevicesPageProps {
  /** What the list is of, e.g. "item 1000001" or "handshake code 100200-appA". */
  subject: string;
  /** The query that names it again (item=… or code=…), for the release buttons. */
  scope: { item?: number; code?: string };
  devices: DeviceView[];
  /** The domains its `domain` items hold. */
  domains: DomainView[];
}

export function DevicesPage(props: DevicesPageProps) {
  const url = useUrl();
  return (
    <AppLayout title={`Devices of ${props.subject}`}>
      <p class="lead">
        Every device that contacted the server for {props.subject}. A concurrent seat can be released at any time; a device
        seat, or a domain item's domain, once it has been silent for 7 days. <a href={url(props.scope.code ? "/configurations" : "/license-items")}>Back</a>
      </p>
      <DevicesTable {...props} />
    </AppLayout>
  );
}

/** The devices table (and the domains table, when there are domains): the swap target of the release buttons. */
export function DevicesTable(props: DevicesPageProps) {
  const scope = props.scope.code ? `code=${encodeURIComponent(props.scope.code)}` : `item=${props.scope.item}`;
  return (
    <div id={DEVICES_TABLE_ID}>
      {props.domains.length > 0 && <DomainsTable domains={props.domains} scope={scope} />}
      {props.devices.length === 0 ? (
        <p class="empty">No device has been authorized yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table devices">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Item</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen (UTC)</th>
                <th scope="col">Active until</th>
                <th scope="col">Seat</th>
              </tr>
            </thead>
            <tbody>
              {props.devices.map((d) => (
                <tr class={d.active ? "device-active" : "device-inactive"}>
                  <td>
                    <code>{d.deviceUuid}</code> {d.name && <span class="muted">{d.name}</span>}
                  </td>
                  <td>
                    <code>{d.itemId}</code> <span class="muted">{CHARGE_WAY_LABELS[d.chargeWay] ?? d.chargeWay}</span>
                  </td>
                  <td>
                    <Day at={d.firstSeenAt} />
                  </td>
                  <td>
                    <time datetime={d.lastSeenAt.toISOString()}>{d.lastSeenAt.toISOString().slice(0, 16).replace("T", " ")}</time>
                  </td>
                  <td>{d.active ? <Day at={d.activeUntil} /> : d.releasedAt ? "released" : "—"}</td>
                  <td>
                    {d.releaseBlocked === null ? (
                      <PostButton
                        action={`/devices/release?${scope}&itemRowId=${d.itemRowId}&device=${encodeURIComponent(d.deviceUuid)}`}
                        target={`#${DEVICES_TABLE_ID}`}
                        label={`Release the seat of ${d.deviceUuid}`}
                        class="button-quiet-dark"
                        confirm={`Release the seat of ${d.deviceUuid}? It becomes a new device at its next contact.`}
                      >
                        Release
                      </PostButton>
                    ) : (
                      <span class="muted">{d.active ? d.releaseBlocked : "none"}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function DomainsTable(props: { domains: DomainView[]; scope: string }) {
  return (
    <div class="table-wrap">
      <table class="table domains" id="domains-table">
        <caption>Domains</caption>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">Item</th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen (UTC)</th>
            <th scope="col">Seat</th>
          </tr>
        </thead>
        <tbody>
          {props.domains.map((d) => (
            <tr class={d.active ? "device-active" : "device-inactive"}>
              <td>
                <code>{d.domain}</code>
              </td>
              <td>
                <code>{d.itemId}</code>
              </td>
              <td>
                <Day at={d.firstSeenAt} />
              </td>
              <td>
                <time datetime={d.lastSeenAt.toISOString()}>{d.lastSeenAt.toISOString().slice(0, 16).replace("T", " ")}</time>
              </td>
              <td>
                {d.releaseBlocked === null ? (
                  <PostButton
                    action={`/devices/release-domain?${props.scope}&itemRowId=${d.itemRowId}&domain=${encodeURIComponent(d.domain)}`}
                    target={`#${DEVICES_TABLE_ID}`}
                    label={`Release the domain ${d.domain}`}
                    class="button-quiet-dark"
                    confirm={`Release the domain ${d.domain}? It becomes a new domain at its next contact.`}
                  >
                    Release
                  </PostButton>
                ) : (
                  <span class="muted">{d.active ? d.releaseBlocked : "none"}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
