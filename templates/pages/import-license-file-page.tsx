import type { ItemStatus } from "../../src/domain/item-status";
import type { ImportKind } from "../../src/domain/license-import";
import { FormMessage } from "../components/form";
import { CHARGE_WAY_LABELS, Day, DemoBadge, StatusBadge } from "../components/item-bits";
import { AppLayout } from "../layouts/app-layout";
import { IMPORT_AREA_ID } from "../targets";
import { useUrl, useView } from "../view-context";

export interface ImportPreviewView {
  license: { licenseId: string; alias: string; licensee: string; organizationId: string; boundUuids: string[]; kid: string; demo: boolean };
  kind: ImportKind;
  message: string;
  items: { itemId: string; description: string; product: string; version: number; edition: string; chargeWay: string; quantity: number; startsAt: Date; expiresAt: Date; status: ItemStatus }[];
  /** The organization's codes new items can go to. */
  codes: { code: string; suffix: string; isDefault: boolean }[];
  suggestedSuffix: string;
  /** The file itself, posted again with the confirmation. */
  fileText: string;
}

export interface ImportAreaProps {
  /** What is wrong with the uploaded file, and what to do. */
  error?: string;
  preview?: ImportPreviewView;
  /** The confirmation's choice and its error, when it came back. */
  target?: string;
  newSuffix?: string;
  suffixError?: string;
  maxKb: number;
}

export function ImportLicenseFilePage(props: ImportAreaProps) {
  return (
    <AppLayout title="Import License File">
      <p class="lead">
        Import the <strong>activated</strong> license file your vendor sent for this server. You see what it contains and where
        its items go before anything changes.
      </p>
      <ImportArea {...props} />
    </AppLayout>
  );
}

/** The page's swap target: the upload form, or the preview with its confirmation. */
export function ImportArea(props: ImportAreaProps) {
  return <div id={IMPORT_AREA_ID}>{props.preview ? <Preview {...props} preview={props.preview} /> : <UploadForm {...props} />}</div>;
}

function UploadForm(props: ImportAreaProps) {
  const url = useUrl();
  const { csrfToken } = useView();
  return (
    <form
      class="upload"
      method="post"
      action={url("/import-license-file/preview")}
      enctype="multipart/form-data"
      hx-post={url("/import-license-file/preview")}
      hx-encoding="multipart/form-data"
      hx-target={`#${IMPORT_AREA_ID}`}
      hx-swap="outerHTML"
      hx-disabled-elt="find button"
      hx-indicator="find .progress"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <FormMessage message={props.error} />
      <div class={props.error ? "field field-invalid" : "field"}>
        <label for="field-file">License file</label>
        <input id="field-file" type="file" name="file" required aria-describedby="field-file-hint" />
        <p class="hint" id="field-file-hint">
          A text file that starts with <code>-----BEGIN LTS LICENSE FILE-----</code>, at most {props.maxKb} KB.
        </p>
      </div>
      <button type="submit">Check the file</button>
      <span class="progress htmx-indicator" role="status">
        Checking the signature…
      </span>
    </form>
  );
}

const KIND_TITLES: Record<ImportKind, string> = {
  new: "A new license",
  rebind: "This license moves to this server",
  update: "A newer file for a license you have",
  revocation: "A revocation",
  "no-op": "Already imported",
};

function Preview(props: ImportAreaProps & { preview: ImportPreviewView }) {
  const url = useUrl();
  const { csrfToken } = useView();
  const p = props.preview;
  const l = p.license;
  const target = props.target ?? "new";
  const confirmable = p.kind !== "no-op";
  const choosesCode = p.kind === "new" || p.kind === "update" || p.kind === "rebind";
  return (
    <section class="preview" aria-labelledby="preview-heading">
      <h2 id="preview-heading">{KIND_TITLES[p.kind]}</h2>
      <p class={p.kind === "no-op" ? "notice notice-ok" : "lead"}>{p.message}</p>
      <dl class="facts">
        <Fact label="License">{`${l.licenseId}${l.alias ? ` · ${l.alias}` : ""}`}</Fact>
        <Fact label="Licensee">{l.licensee}</Fact>
        <Fact label="Organization">{l.organizationId}</Fact>
        <Fact label="Activated for">{l.boundUuids.join(", ")}</Fact>
        <Fact label="Issuer key">
          <code>{l.kid}</code> {l.demo && <DemoBadge />}
        </Fact>
      </dl>
      {p.items.length > 0 && (
        <div class="table-wrap">
        <table class="table" id="preview-items">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Description</th>
              <th scope="col">Product</th>
              <th scope="col">Charge way</th>
              <th scope="col">Quantity</th>
              <th scope="col">Start</th>
              <th scope="col">Expiry</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((i) => (
              <tr>
                <td>
                  <code>{i.itemId}</code>
                </td>
                <td>{i.description}</td>
                <td>
                  {i.product} {i.version} <span class="muted">{i.edition}</span>
                </td>
                <td>{CHARGE_WAY_LABELS[i.chargeWay] ?? i.chargeWay}</td>
                <td>{i.quantity.toLocaleString("en-US")}</td>
                <td>
                  <Day at={i.startsAt} />
                </td>
                <td>
                  <Day at={i.expiresAt} />
                </td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      <form method="post" action={url("/import-license-file")} hx-post={url("/import-license-file")} hx-target={`#${IMPORT_AREA_ID}`} hx-swap="outerHTML" hx-disabled-elt="find button">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <textarea name="fileText" hidden readonly>
          {p.fileText}
        </textarea>
        {choosesCode && (
          <fieldset class="code-choice">
            <legend>Attach new items to a handshake code</legend>
            <label class="choice">
              <input type="radio" name="target" value="new" checked={target === "new"} /> A new code: <code>{l.organizationId}-</code>
              <input type="text" name="newSuffix" value={props.newSuffix ?? p.suggestedSuffix} aria-label="Suffix of the new code" class="inline-input" spellcheck={false} />
            </label>
            {props.suffixError && <p class="field-error">{props.suffixError}</p>}
            {p.codes.map((c) => (
              <label class="choice">
                <input type="radio" name="target" value={`code:${c.suffix}`} checked={target === `code:${c.suffix}`} /> <code>{c.code}</code>
                {c.isDefault && <span class="badge">default</span>}
              </label>
            ))}
            <p class="hint">Items this server already has stay where they are. An organization's first code becomes its default.</p>
          </fieldset>
        )}
        <div class="actions">
          {confirmable && <button type="submit">{p.kind === "revocation" ? "Revoke the items" : "Import"}</button>}
          <a class="button-link" href={url("/import-license-file")}>
            {confirmable ? "Cancel" : "Import another file"}
          </a>
        </div>
      </form>
    </section>
  );
}

function Fact(props: { label: string; children: unknown }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd>{props.children as string}</dd>
    </div>
  );
}
