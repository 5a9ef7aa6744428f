import type { HandshakeCodeView } from "../../src/domain/handshake-code";
import { CopyButton } from "../components/machine-uuid";
import { PostButton } from "../components/post-button";
import { CODES_TABLE_ID } from "../targets";
import { useUrl } from "../view-context";

/** How much of a license key the table shows; the copy button copies all of it. */
const KEY_PREVIEW = 18;

/** The Configurations table: the page's swap target for default, enable/disable and delete. */
export function CodesTable(props: { codes: HandshakeCodeView[] }) {
  const target = `#${CODES_TABLE_ID}`;
  const url = useUrl();
  return (
    <div id={CODES_TABLE_ID}>
      <div class="table-wrap">
        <table class="table codes">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Linked items</th>
              <th scope="col">License key</th>
              <th scope="col">Default</th>
              <th scope="col">Enabled</th>
              <th scope="col">Devices</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.codes.map((c) => (
              <tr id={`code-${c.code}`} class={c.enabled ? "code-row" : "code-row code-disabled"}>
                <td>
                  <code class="code">{c.code}</code>
                  <span class="code-name">{c.name}</span>
                  {c.hasSessionPassword && <span class="badge">session password</span>}{" "}
                  {validationCount(c) > 0 && <span class="badge">{`${validationCount(c)} validation value(s)`}</span>}
                </td>
                <td class="linked-items">
                  <span class="count">{`${c.items.length} item${c.items.length === 1 ? "" : "s"}`}</span>{" "}
                  {c.items.map((i) => (
                    <>
                      <code title={i.description} class={i.status === "expired" || i.status === "revoked" ? "item-gone" : undefined}>
                        {i.itemId}
                      </code>{" "}
                    </>
                  ))}
                </td>
                <td class="license-key">
                  {c.licenseKey ? (
                    <>
                      <code class="key">{`${c.licenseKey.slice(0, KEY_PREVIEW)}…`}</code> <CopyButton text={c.licenseKey} what={`license key of ${c.code}`} />
                    </>
                  ) : (
                    <span class="field-error">Unavailable: set the session password again (Edit).</span>
                  )}
                </td>
                <td class="default">
                  {c.isDefault ? (
                    <span class="star" role="img" aria-label={`Default code of organization ${c.organizationId}`} title={`Default code of organization ${c.organizationId}`}>
                      ★
                    </span>
                  ) : (
                    <PostButton action={`/configurations/${c.code}/default`} target={target} label={`Make ${c.code} the default of organization ${c.organizationId}`} class="button-star" disabled={!c.enabled}>
                      ☆
                    </PostButton>
                  )}
                </td>
                <td>
                  <PostButton action={`/configurations/${c.code}/${c.enabled ? "disable" : "enable"}`} target={target} label={`${c.code} enabled`} class="switch" checked={c.enabled}>
                    {c.enabled ? "On" : "Off"}
                  </PostButton>
                </td>
                <td>
                  <a href={url(`/devices?code=${encodeURIComponent(c.code)}`)} aria-label={`Devices of ${c.code}`}>
                    {c.deviceCount}
                  </a>
                </td>
                <td class="actions-cell">
                  <a class="button-quiet-dark" href={url(`/statistics/code/${encodeURIComponent(c.code)}`)} aria-label={`Statistics of ${c.code}`}>
                    Statistics
                  </a>{" "}
                  <a class="button-quiet-dark" href={url(`/configurations/${c.code}/edit`)} aria-label={`Edit ${c.code}`}>
                    Edit
                  </a>{" "}
                  <PostButton action={`/configurations/${c.code}/delete`} target={target} label={`Delete ${c.code}`} class="button-danger" confirm={`Delete ${c.code}? Apps whose license key names it will be refused.`}>
                    Delete
                  </PostButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.codes.length === 0 && (
        <p class="empty">
          No configurations yet. <a href={url("/import-license-file")}>Importing a license file</a> creates one; or <a href={url("/configurations/new")}>add one</a>.
        </p>
      )}
    </div>
  );
}

function validationCount(c: HandshakeCodeView): number {
  return c.validation.domains.length + c.validation.appIds.length + c.validation.processNames.length;
}
