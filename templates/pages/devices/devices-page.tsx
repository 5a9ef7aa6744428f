import type { Child } from "hono/jsx";
import type { DeviceView, DomainView } from "../../../src/domain/device";
import { PAGE_SIZE_CHOICES, encodeCursor, type DeviceList, type DeviceListQuery, type DeviceSearchField, type DeviceSort, type Page } from "../../../src/domain/device-list";
import { CHARGE_WAY_LABELS } from "../../components/item-bits";
import { AppLayout } from "../../layouts/app-layout";
import { DEVICE_LIST_ID, DEVICES_TABLE_ID } from "../../targets";
import { useUrl, useView } from "../../view-context";

export interface DevicesPageProps {
  /** What the list is of, e.g. "item 1000001" or "handshake code 100200-appA". */
  subject: string;
  /** The query that names it again (item=… or code=…), for links and the release buttons. */
  scope: { item?: number; code?: string };
  /** The scope has `domain` items: the page offers their domains as a second list. */
  hasDomains: boolean;
  /** The list state the URL named (cursors decoded); `size` is the page size in effect. */
  query: DeviceListQuery;
  /** `size` came from the URL (links carry it on); otherwise the admin's default applies. */
  sizeInUrl: boolean;
  /** The admin-wide default page size (Rows per page). */
  defaultSize: number;
  /** One page of whichever list `query.list` names. */
  devices?: Page<DeviceView>;
  domains?: Page<DomainView>;
}

/** A list URL's state; empty and default values are left out, so links stay short. */
export interface ListState {
  list: DeviceList;
  q: string;
  field: DeviceSearchField;
  sort: DeviceSort;
  size?: number;
  after?: string;
  before?: string;
}

/** The query string (without "?") of a list: its scope, then its state. */
export function listState(scope: DevicesPageProps["scope"], s: ListState): string {
  const params = new URLSearchParams();
  if (scope.code) params.set("code", scope.code);
  else params.set("item", String(scope.item));
  params.set("list", s.list);
  if (s.q) params.set("q", s.q);
  if (s.field !== "id") params.set("field", s.field);
  if (s.sort !== "newest") params.set("sort", s.sort);
  if (s.size !== undefined) params.set("size", String(s.size));
  if (s.after) params.set("after", s.after);
  if (s.before) params.set("before", s.before);
  return params.toString();
}

export function DevicesPage(props: DevicesPageProps) {
  const url = useUrl();
  return (
    <AppLayout title={`Devices of ${props.subject}`}>
      <p class="lead">
        Every device that contacted the server for {props.subject}. A concurrent seat can be released at any time; a device
        seat, or a domain item's domain, once it has been silent for 7 days; a released one is new at its next contact. <a href={url(props.scope.code ? "/configurations" : "/license-items")}>Back</a>
      </p>
      <DevicesTable {...props} />
    </AppLayout>
  );
}

/**
 * The list (devices or domains) with its search, sort, pager and Rows per page: the swap target
 * of the search form, the pager links (which push their URL) and the release buttons.
 */
export function DevicesTable(props: DevicesPageProps) {
  const { query } = props;
  const state: ListState = { list: query.list, q: query.q, field: query.field, sort: query.sort, size: props.sizeInUrl ? query.size : undefined };
  const scopeQuery = props.scope.code ? `code=${encodeURIComponent(props.scope.code)}` : `item=${props.scope.item}`;
  const page = query.list === "domains" ? props.domains : props.devices;
  return (
    <div id={DEVICE_LIST_ID}>
      <ListStateInputs state={{ ...state, after: query.after && encodeCursor(query.after), before: query.before && encodeCursor(query.before) }} />
      {props.hasDomains && <ListSwitch {...props} state={state} />}
      <ListControls {...props} state={state} />
      <div id={DEVICES_TABLE_ID}>
        {query.list === "domains" ? <DomainsTable domains={props.domains?.rows ?? []} scopeQuery={scopeQuery} searching={!!query.q} /> : <DeviceRows devices={props.devices?.rows ?? []} scopeQuery={scopeQuery} searching={!!query.q} />}
      </div>
      {page && <Pager {...props} page={page} state={state} />}
      <RowsPerPage {...props} state={state} />
    </div>
  );
}

const LIST_STATE_ID = "device-list-state";

/**
 * This page's list state (with its own cursor), once per page: the Release buttons include it
 * (hx-include on their table), so their answer is this same page, without repeating the state in
 * every row. Without JavaScript a release answers with the list's first page.
 */
function ListStateInputs(props: { state: ListState }) {
  const { state } = props;
  const values: [string, string | undefined][] = [["list", state.list], ["q", state.q || undefined], ["field", state.field], ["sort", state.sort], ["size", state.size?.toString()], ["after", state.after], ["before", state.before]];
  return (
    <div id={LIST_STATE_ID} hidden>
      {values.map(([name, value]) => value !== undefined && <input type="hidden" name={name} value={value} />)}
    </div>
  );
}

/** A link that swaps this list for another state of it and pushes its URL (back button works). */
function ListLink(props: { href: string; rel?: string; current?: boolean; children: Child }) {
  return (
    <a href={props.href} hx-get={props.href} hx-target={`#${DEVICE_LIST_ID}`} hx-swap="outerHTML" hx-push-url="true" rel={props.rel} aria-current={props.current ? "page" : undefined}>
      {props.children}
    </a>
  );
}

function ListSwitch(props: DevicesPageProps & { state: ListState }) {
  const url = useUrl();
  const to = (list: DeviceList) => url(`/devices?${listState(props.scope, { list, q: "", field: "id", sort: "newest", size: props.state.size })}`);
  return (
    <nav class="list-switch" aria-label="Lists">
      <ListLink href={to("domains")} current={props.query.list === "domains"}>
        Domains
      </ListLink>
      <ListLink href={to("devices")} current={props.query.list === "devices"}>
        Devices
      </ListLink>
    </nav>
  );
}

function ListControls(props: DevicesPageProps & { state: ListState }) {
  const url = useUrl();
  const { query } = props;
  const domains = query.list === "domains";
  return (
    <form class="filters list-controls" role="search" method="get" action={url("/devices")} hx-get={url("/devices")} hx-target={`#${DEVICE_LIST_ID}`} hx-swap="outerHTML" hx-push-url="true">
      {props.scope.code ? <input type="hidden" name="code" value={props.scope.code} /> : <input type="hidden" name="item" value={String(props.scope.item)} />}
      <input type="hidden" name="list" value={query.list} />
      {props.sizeInUrl && <input type="hidden" name="size" value={String(query.size)} />}
      {domains ? (
        <input type="hidden" name="field" value="id" />
      ) : (
        <label>
          Search by
          <select name="field">
            <option value="id" selected={query.field === "id"}>
              UUID
            </option>
            <option value="name" selected={query.field === "name"}>
              Name
            </option>
          </select>
        </label>
      )}
      <label>
        {domains ? "Domain starts with" : "starting with"}
        <input type="search" name="q" value={query.q} maxlength={128} autocomplete="off" />
      </label>
      <label>
        Sort
        <select name="sort">
          <option value="newest" selected={query.sort === "newest"}>
            Last seen, newest first
          </option>
          <option value="oldest" selected={query.sort === "oldest"}>
            Last seen, oldest first
          </option>
          <option value="id" selected={query.sort === "id"}>
            {domains ? "Domain" : "UUID"}
          </option>
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

/** "Showing 51–100" and the Previous / Next links. No total: counting every device would cost O(devices). */
function Pager(props: DevicesPageProps & { page: Page<unknown>; state: ListState }) {
  const url = useUrl();
  const { page } = props;
  if (page.rows.length === 0) return null;
  const link = (cursor: { after?: string; before?: string }) => url(`/devices?${listState(props.scope, { ...props.state, ...cursor })}`);
  return (
    <nav class="pager" aria-label="Pages">
      <span class="pager-range">
        Showing {page.first}–{page.first + page.rows.length - 1}
      </span>
      {page.previous ? (
        <ListLink href={link({ before: page.previous })} rel="prev">
          Previous
        </ListLink>
      ) : (
        <span class="muted">Previous</span>
      )}
      {page.next ? (
        <ListLink href={link({ after: page.next })} rel="next">
          Next
        </ListLink>
      ) : (
        <span class="muted">Next</span>
      )}
    </nav>
  );
}

/** The admin-wide default page size, saved in the settings; a plain form post that comes back here. */
function RowsPerPage(props: DevicesPageProps & { state: ListState }) {
  const url = useUrl();
  const { csrfToken } = useView();
  const action = url(`/devices/rows-per-page?${listState(props.scope, { ...props.state, size: undefined })}`);
  return (
    <form class="filters rows-per-page" method="post" action={action}>
      <input type="hidden" name="_csrf" value={csrfToken} />
      <label>
        Rows per page
        <select name="size">
          {PAGE_SIZE_CHOICES.map((n) => (
            <option value={String(n)} selected={n === props.defaultSize}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="button-quiet-dark">
        Save as default
      </button>
    </form>
  );
}

function DeviceRows(props: { devices: DeviceView[]; scopeQuery: string; searching: boolean }) {
  const scope = props.scopeQuery;
  return (
    <>
      {props.devices.length === 0 ? (
        <p class="empty">{props.searching ? "No device matches this search." : "No device has been authorized yet."}</p>
      ) : (
        <div class="table-wrap">
          <table class="table devices" hx-target={`#${DEVICE_LIST_ID}`} hx-swap="outerHTML" hx-include={`#${LIST_STATE_ID}`}>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Item</th>
                <th scope="col">First seen</th>
                <th scope="col" title="A device's contacts are recorded at most once an hour: its first contact of the latest hour it was seen">
                  Last seen (UTC, to the hour)
                </th>
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
                    <ShortDay at={d.firstSeenAt} />
                  </td>
                  <td>
                    <Minute at={d.lastSeenAt} />
                  </td>
                  <td>{d.active ? <ShortDay at={d.activeUntil} /> : d.releasedAt ? "released" : "—"}</td>
                  <td>
                    <SeatRelease seat={d} action={`/devices/release?${scope}&itemRowId=${d.itemRowId}&device=${encodeURIComponent(d.deviceUuid)}`} what={`the seat of ${d.deviceUuid}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function DomainsTable(props: { domains: DomainView[]; scopeQuery: string; searching: boolean }) {
  if (props.domains.length === 0) return <p class="empty">{props.searching ? "No domain matches this search." : "No domain has been seen yet."}</p>;
  return (
    <div class="table-wrap">
      <table class="table domains" id="domains-table" hx-target={`#${DEVICE_LIST_ID}`} hx-swap="outerHTML" hx-include={`#${LIST_STATE_ID}`}>
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
                <ShortDay at={d.firstSeenAt} />
              </td>
              <td>
                <Minute at={d.lastSeenAt} />
              </td>
              <td>
                <SeatRelease seat={d} action={`/devices/release-domain?${props.scopeQuery}&itemRowId=${d.itemRowId}&domain=${encodeURIComponent(d.domain)}`} what={`the domain ${d.domain}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A row's Seat cell: its Release button, a form that posts to `action`, or why it has none ("none"
 * for a seat no longer held). Leaner than PostButton: the table gives hx-target, hx-swap and
 * hx-include (the list state) to all its rows, so a 200-row page stays small.
 */
function SeatRelease(props: { seat: { active: boolean; releaseBlocked: string | null }; action: string; what: string }) {
  const { seat } = props;
  const url = useUrl();
  const { csrfToken } = useView();
  if (seat.releaseBlocked !== null) return <span class="muted">{seat.active ? seat.releaseBlocked : "none"}</span>;
  return (
    <form class="inline-form" method="post" action={url(props.action)} hx-post={url(props.action)} hx-confirm={`Release ${props.what}?`}>
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class="button-quiet-dark" aria-label={`Release ${props.what}`}>
        Release
      </button>
    </form>
  );
}

// A <time> whose text is a valid date string needs no datetime attribute: rows stay small.
function ShortDay(props: { at: Date }) {
  return <time>{props.at.toISOString().slice(0, 10)}</time>;
}

function Minute(props: { at: Date }) {
  return <time>{props.at.toISOString().slice(0, 16).replace("T", " ")}</time>;
}
