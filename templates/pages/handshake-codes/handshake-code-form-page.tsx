import type { HandshakeCodeView } from "../../../src/domain/handshake-code";
import type { LicenseItemView } from "../../../src/domain/license-item";
import { Field, Form, FormMessage, type FieldErrors } from "../../components/form";
import { CHARGE_WAY_LABELS, Day, StatusBadge } from "../../components/item-bits";
import { AppLayout } from "../../layouts/app-layout";
import { ConsumptionOrder } from "../../partials/consumption-order";
import { CODE_FORM_ID } from "../../targets";
import { useUrl } from "../../view-context";
import { SecretChoice } from "../../components/secret-choice";

/** What the add/edit form shows; the session password is never among them. */
export interface HandshakeCodeFormValues {
  organizationId: string;
  suffix: string;
  name: string;
  itemRowIds: number[];
  /** One value per line. */
  domains: string;
  appIds: string;
  processNames: string;
  sessionPasswordAction: "keep" | "set" | "remove";
}

export interface HandshakeCodeFormProps {
  /** The code being edited; absent when adding one. */
  code?: HandshakeCodeView;
  values: HandshakeCodeFormValues;
  /** Items that may be chosen: those that can serve, and those the code already has. */
  choices: LicenseItemView[];
  /** Organizations with licenses, for a new code. */
  organizations: string[];
  errors?: FieldErrors;
  message?: string;
}

export function HandshakeCodeFormPage(props: HandshakeCodeFormProps) {
  return (
    <AppLayout title={props.code ? `Edit ${props.code.code}` : "New configuration"}>
      <p class="lead">
        {props.code
          ? "Change the name, the items, the session password and the validation fields. The code itself cannot change: app license keys name it."
          : "A new handshake code for one application: choose its items, and optionally a session password and validation fields."}
      </p>
      <HandshakeCodeForm {...props} />
      {props.code && <ConsumptionOrder code={props.code} />}
    </AppLayout>
  );
}

/** The add/edit form; htmx swaps it in place with its errors (422), values kept but the password. */
export function HandshakeCodeForm(props: HandshakeCodeFormProps) {
  const url = useUrl();
  const e = props.errors ?? {};
  const v = props.values;
  const editing = props.code;
  return (
    <Form id={CODE_FORM_ID} action={editing ? `/configurations/${editing.code}/edit` : "/configurations/new"} label={editing ? `Edit ${editing.code}` : "New configuration"}>
      <FormMessage message={props.message} />
      {editing ? (
        <p class="field">
          <span class="field-label">Code</span> <code class="code">{editing.code}</code>
        </p>
      ) : (
        <>
          <OrganizationField organizations={props.organizations} value={v.organizationId} error={e.organizationId} />
          <Field name="suffix" label="Code suffix" value={v.suffix} error={e.suffix} hint="The code is {organization id}-{suffix}: 1 to 64 letters, digits, '_' or '-'. It cannot change later." />
        </>
      )}
      <Field name="name" label="Name" value={v.name} error={e.name} hint="For you: which application this is. Empty: the suffix." />
      <ItemChoice choices={props.choices} chosen={v.itemRowIds} error={e.items ?? e.itemRowIds} />
      <fieldset class="checks optional-security">
        <legend>Optional security settings</legend>
        {editing ? (
          <SecretChoice name="sessionPassword" label="Session password" stateId="session-password-state" storedNote="It travels inside the license key." inputLabel="New session password" autocomplete="off" hasSecret={editing.hasSessionPassword} action={v.sessionPasswordAction} error={e.sessionPassword}>
            <p class="hint">Changing or removing it changes the license key: apps with the old key are refused (code 102).</p>
          </SecretChoice>
        ) : <Field name="sessionPassword" label="Session password" type="password" error={e.sessionPassword} autocomplete="off" hint="Travels inside the license key; clients without it are refused (code 102). Empty: none." />}
        <Field type="multiline" name="domains" label="Website domains" value={v.domains} error={e.domains} hint="One per line, such as app.example.com (its subdomains too). Browsers on other sites are refused (code 103)." />
        <Field type="multiline" name="appIds" label="Application ids" value={v.appIds} error={e.appIds} hint="One per line, such as com.example.scanner. Other apps are refused (code 114)." />
        <Field type="multiline" name="processNames" label="Process names" value={v.processNames} error={e.processNames} hint="One per line, such as Scanner.exe. Other processes are refused (code 114)." />
      </fieldset>
      <div class="actions">
        <button type="submit">{editing ? "Save changes" : "Create configuration"}</button>
        <a class="button-link" href={url("/configurations")}>
          Cancel
        </a>
      </div>
    </Form>
  );
}

function OrganizationField(props: { organizations: string[]; value: string; error?: string }) {
  if (props.organizations.length <= 1) {
    return (
      <>
        <input type="hidden" name="organizationId" value={props.organizations[0] ?? ""} />
        {props.error && <p class="field-error" id="field-organizationId-error">{props.error}</p>}
      </>
    );
  }
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for="field-organizationId">Organization</label>
      <select id="field-organizationId" name="organizationId" aria-invalid={props.error ? "true" : undefined}>
        <option value="" selected={props.value === ""}>
          The chosen items' organization
        </option>
        {props.organizations.map((o) => (
          <option value={o} selected={props.value === o}>
            {o}
          </option>
        ))}
      </select>
      {props.error && (
        <p class="field-error" id="field-organizationId-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** Checkboxes grouped by license, each item with its status. */
function ItemChoice(props: { choices: LicenseItemView[]; chosen: number[]; error?: string }) {
  const groups = new Map<string, LicenseItemView[]>();
  for (const item of props.choices) {
    const key = `${item.organizationId}/${item.licenseId}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return (
    <fieldset class={props.error ? "checks item-choice field-invalid" : "checks item-choice"} aria-describedby={props.error ? "field-items-error" : undefined}>
      <legend>Items</legend>
      {props.choices.length === 0 && <p class="hint">No item can serve clients: import a license file first.</p>}
      {[...groups.values()].map((items) => {
        const first = items[0]!;
        return (
          <div class="item-group">
            <p class="item-group-title">
              License {first.licenseId} · {first.licenseAlias} <span class="muted">— {first.licensee}, organization {first.organizationId}</span>
            </p>
            {items.map((item) => {
              const id = `item-${item.rowId}`;
              return (
                <div class="check">
                  <input type="checkbox" id={id} name="items" value={String(item.rowId)} checked={props.chosen.includes(item.rowId)} />
                  <label for={id}>
                    <code>{item.itemId}</code> {item.description}
                  </label>
                  <span class="muted">
                    {CHARGE_WAY_LABELS[item.chargeWay] ?? item.chargeWay} · {item.product} {item.version} · until <Day at={item.expiresAt} />
                  </span>{" "}
                  <StatusBadge status={item.status} />
                </div>
              );
            })}
          </div>
        );
      })}
      {props.error && (
        <p class="field-error" id="field-items-error">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
