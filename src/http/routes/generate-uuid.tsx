import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { availability, MACHINE_LABELS } from "../../domain/machine-uuid";
import { generateMachineUuid } from "../../services/machine-identity";
import { GenerateUuidForm, GenerateUuidPage } from "../../../templates/pages/generate-uuid-page";
import type { AppEnv } from "../env";
import { readForm, submitForm } from "../forms";
import { redirect, render } from "../render";

const DONE = "The UUID is generated and stored. Send it to your vendor to have your licenses activated for it.";

/**
 *   GET  /generate-uuid   the machine UUID and the hardware labels it is bound to
 *   POST /generate-uuid   label-<name>=on for each chosen label, customIdFile, confirm=yes
 */
export function registerGenerateUuidRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/generate-uuid", async (c) => {
    const options = (await deps.machine.labels()).map(availability);
    const status = deps.machine.status();
    const done = c.req.query("done") === undefined ? undefined : DONE;
    return render(c, deps, <GenerateUuidPage options={options} chosen={status.labels} customIdFile={status.customIdFile ?? ""} done={done} />);
  });

  app.post("/generate-uuid", async (c) => {
    const form = await readForm(c);
    const input = {
      labels: MACHINE_LABELS.filter((label) => form[`label-${label}`] !== undefined),
      customIdFile: form.customIdFile ?? "",
      confirm: form.confirm === "yes",
    };
    const options = (await deps.machine.labels(input.customIdFile.trim() || null)).map(availability);
    const props = { options, chosen: input.labels, customIdFile: input.customIdFile };
    return submitForm(
      c,
      deps,
      async () => {
        await generateMachineUuid(c.var.ctx, input);
        await deps.machine.refresh();
        return redirect(c, deps, "/generate-uuid?done=1");
      },
      { page: (f) => <GenerateUuidPage {...props} {...f} />, fragment: (f) => <GenerateUuidForm {...props} {...f} /> },
    );
  });
}
