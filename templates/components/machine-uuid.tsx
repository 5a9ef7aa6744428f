import { labelNames } from "../../src/domain/machine-uuid";
import { MACHINE_UUID_ID } from "../targets";
import { useUrl, useView } from "../view-context";

/** A button that copies `text` to the clipboard (static/app.js wires every [data-copy]). */
export function CopyButton(props: { text: string; what: string }) {
  return (
    <button type="button" class="button-copy" data-copy={props.text} aria-label={`Copy the ${props.what}`}>
      Copy
    </button>
  );
}

/** The machine UUID the licenses are bound to, with a copy button; on Home and Generate UUID. */
export function MachineUuidCard(props: { linkToGenerate?: boolean }) {
  const { machine } = useView();
  const url = useUrl();
  return (
    <section class="uuid-card" aria-labelledby="machine-uuid-heading">
      <h2 id="machine-uuid-heading">Machine UUID</h2>
      {!machine || machine.state === "starting" ? (
        <p class="hint">Reading this machine's hardware labels… Reload the page in a moment.</p>
      ) : machine.storedUuid === null ? (
        <p id={MACHINE_UUID_ID} class="uuid-none">
          No UUID yet — <a href={url("/generate-uuid")}>Generate one</a>. Your vendor activates your licenses for it.
        </p>
      ) : (
        <>
          <p class="uuid-line">
            <code id={MACHINE_UUID_ID} class="uuid">
              {machine.storedUuid}
            </code>
            <CopyButton text={machine.storedUuid} what="machine UUID" />
          </p>
          <p class="hint">
            Bound to: {labelNames(machine.labels)}. {machine.state === "ok" ? "This machine still gives this UUID." : "This machine no longer gives this UUID (see the red banner)."}{" "}
            {props.linkToGenerate && <a href={url("/generate-uuid")}>Change the labels</a>}
          </p>
          {machine.state === "mismatch" && machine.uuid && (
            <p class="uuid-line">
              <span>This hardware now gives</span>
              <code id="machine-uuid-now" class="uuid">
                {machine.uuid}
              </code>
              <CopyButton text={machine.uuid} what="new machine UUID" />
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** Red, on every admin page while a chosen hardware label differs from when the UUID was generated. */
export function HardwareMismatchBanner() {
  const { machine } = useView();
  if (!machine || machine.changedLabels.length === 0) return null;
  const url = useUrl();
  const names = labelNames(machine.changedLabels);
  const itIs = machine.changedLabels.length === 1 ? "it is" : "they are";
  return (
    <p class="banner banner-danger" role="alert" id="hardware-mismatch">
      Hardware binding mismatch: {names} changed since the UUID was generated: clients are refused (code 100) until {itIs} back,{" "}
      {machine.uuid ? (
        <>
          or until you import your licenses re-activated for the new UUID <code>{machine.uuid}</code>.
        </>
      ) : (
        <>
          or until you <a href={url("/generate-uuid")}>generate a new UUID</a> from labels this machine has and import your licenses re-activated for it.
        </>
      )}
    </p>
  );
}
