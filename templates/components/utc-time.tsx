import { formatUtc } from "../format";

/** A UTC time to the second, machine-readable in `datetime`. */
export function UtcTime(props: { at: Date }) {
  return <time datetime={props.at.toISOString()}>{formatUtc(props.at)}</time>;
}
