import { STATUS_LABELS, type ItemStatus } from "../../src/domain/item-status";
import { usedOfTotal } from "../../src/domain/license-item";

/** Small pieces shared by License Items, Home and the import preview. */

export function StatusBadge(props: { status: ItemStatus }) {
  return <span class={`badge badge-${props.status}`}>{STATUS_LABELS[props.status]}</span>;
}

export function DemoBadge() {
  return (
    <span class="badge badge-demo" title="Signed by the repository's demo issuer key: for trying LTS out, not for production">
      demo issuer
    </span>
  );
}

/** "3 of 10 devices (30 %)" with a meter that turns amber at 60 % and red at 80 %. */
export function UsedOfTotal(props: { used: number; total: number; unit?: string }) {
  const { percent, text } = usedOfTotal(props.used, props.total, props.unit);
  return (
    <span class="used">
      <meter min={0} max={100} low={60} high={80} optimum={0} value={Math.min(percent, 100)}>
        {percent} %
      </meter>
      <span>{text}</span>
    </span>
  );
}

export function Day(props: { at: Date }) {
  return <time datetime={props.at.toISOString()}>{props.at.toISOString().slice(0, 10)}</time>;
}

/** What an item's quantity and Used figure count, by charge way. */
export const CHARGE_WAY_UNITS: Record<string, string> = {
  device: "devices",
  "concurrent-device": "devices",
  "concurrent-instance": "instances",
  scan: "scans",
  page: "pages",
  domain: "domains",
};

export const CHARGE_WAY_LABELS: Record<string, string> = {
  device: "Per device",
  "concurrent-device": "Concurrent devices",
  "concurrent-instance": "Concurrent instances",
  scan: "Per scan",
  page: "Per page",
  domain: "Per domain",
};
