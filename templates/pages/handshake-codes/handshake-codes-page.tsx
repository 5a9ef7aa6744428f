import type { HandshakeCodeView } from "../../../src/domain/handshake-code";
import type { ServerUrls } from "../../../src/domain/server-url";
import { Field, Form, FormMessage, type FieldErrors } from "../../components/form";
import { CopyButton } from "../../components/machine-uuid";
import { AppLayout } from "../../layouts/app-layout";
import { CodesTable } from "../../partials/codes-table";
import { SERVER_URL_FORM_ID } from "../../targets";
import { useUrl } from "../../view-context";

/** The server URLs in effect and this instance's key, as Set Server URL shows them. */
export type ServerUrlsView = Omit<ServerUrls, "publicKeys">;

export interface ServerUrlFormProps {
  urls: ServerUrlsView;
  /** What was posted, when it comes back with errors. */
  values?: { main: string; standby: string; standbyPublicKey: string };
  errors?: FieldErrors;
  message?: string;
}

export interface HandshakeCodesPageProps {
  codes: HandshakeCodeView[];
  urls: ServerUrlsView;
  /** What the last change did (after a redirect). */
  notice?: string;
  serverUrlForm?: Omit<ServerUrlFormProps, "urls">;
}

/** Configurations: every handshake code with its license key, and the server URLs the keys carry. */
export function HandshakeCodesPage(props: HandshakeCodesPageProps) {
  const url = useUrl();
  return (
    <AppLayout title="Configurations">
      <p class="lead">
        A configuration (a <strong>handshake code</strong>) groups license items for one application. Its{" "}
        <strong>license key</strong> is what the app's developers paste into the app: it names the code, the servers and
        their keys, and the session password. Each organization has one default code (★), used by clients that send only
        the organization id.
      </p>
      <FormMessage message={props.notice} kind="ok" />
      <div class="filters">
        <a class="button-link" href={url("/configurations/new")}>
          New configuration
        </a>
      </div>
      <CodesTable codes={props.codes} />
      <ServerUrls urls={props.urls} form={props.serverUrlForm} />
    </AppLayout>
  );
}

function ServerUrls(props: { urls: ServerUrlsView; form?: Omit<ServerUrlFormProps, "urls"> }) {
  const u = props.urls;
  return (
    <section class="server-urls" aria-labelledby="server-urls-heading">
      <h2 id="server-urls-heading">Server URLs</h2>
      <p class="hint">Every license key carries these URLs and the servers' public keys. Changing them changes every key: give the new keys to the app developers.</p>
      <dl class="details-grid">
        <dt>Main server</dt>
        <dd>
          <code id="main-url">{u.main}</code>
          {u.mainIsDefault && <span class="muted"> (this host's address; set it if clients reach the server by a name or through a proxy)</span>}
        </dd>
        <dt>Standby server</dt>
        <dd>
          {u.standby ? (
            <>
              <code id="standby-url">{u.standby}</code> <span class="muted">key id</span> <code>{u.standbyKid}</code>
            </>
          ) : (
            "none"
          )}
        </dd>
        <dt>This server's public key</dt>
        <dd>
          <code id="instance-public-key">{u.publicKey}</code> <CopyButton text={u.publicKey} what="public key of this server" />
        </dd>
        <dt>Key id</dt>
        <dd>
          <code id="instance-kid">{u.kid}</code>
        </dd>
      </dl>
      <ServerUrlForm urls={u} {...props.form} />
    </section>
  );
}

/** Set Server URL: swapped in place with its errors (422). */
export function ServerUrlForm(props: ServerUrlFormProps) {
  const e = props.errors ?? {};
  const u = props.urls;
  const v = props.values ?? { main: u.mainIsDefault ? "" : u.main, standby: u.standby ?? "", standbyPublicKey: u.standbyPublicKey ?? "" };
  return (
    <Form id={SERVER_URL_FORM_ID} action="/configurations/server-url" label="Set Server URL">
      <h3>Set Server URL</h3>
      <FormMessage message={props.message} />
      <Field name="main" label="Main server URL" value={v.main} error={e.main} hint="Such as https://lts.example.com/ or http://192.168.1.20:48080/lts/. Leave it empty to use this host's address." />
      <Field name="standby" label="Standby server URL" value={v.standby} error={e.standby} hint="Another LTS that serves clients while the main one cannot. Leave it empty for none." />
      <Field
        name="standbyPublicKey"
        label="Standby server's public key"
        value={v.standbyPublicKey}
        error={e.standbyPublicKey}
        hint="The publicKey from the standby's GET /api/v1/server-key (the whole answer may be pasted): clients trust only the servers whose keys their license key pins."
      />
      <button type="submit">Save server URLs</button>
    </Form>
  );
}
