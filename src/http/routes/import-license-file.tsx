import type { Context, Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { itemStatus } from "../../domain/item-status";
import { DEFAULT_GRACE_DAYS } from "../../domain/license";
import { MAX_LICENSE_FILE_BYTES } from "../../domain/license-file";
import type { ServiceContext } from "../../services/context";
import { importLicenseFile, previewImport, type ImportPreview } from "../../services/license-files";
import { ImportArea, ImportLicenseFilePage, type ImportAreaProps, type ImportPreviewView } from "../../../templates/pages/import-license-file-page";
import type { AppEnv } from "../env";
import { parseFormBody, readForm } from "../forms";
import { pageOrFragment, redirect, render } from "../render";

const MAX_KB = MAX_LICENSE_FILE_BYTES / 1024;

/**
 *   GET  /import-license-file            the upload form
 *   POST /import-license-file/preview    verify the uploaded file; show what importing would do
 *   POST /import-license-file            confirm: import it (one transaction), go to License Items
 */
export function registerImportLicenseFileRoutes(app: Hono<AppEnv>, deps: Deps) {
  const area = (c: Context<AppEnv>, props: Omit<ImportAreaProps, "maxKb">, status?: 422) =>
    pageOrFragment(c, deps, { page: <ImportLicenseFilePage {...props} maxKb={MAX_KB} />, fragment: <ImportArea {...props} maxKb={MAX_KB} /> }, status);

  /** A refused file comes back as the upload form with the reason (422); other errors go on. */
  const orRefusedFile = async (c: Context<AppEnv>, run: () => Promise<Response>) => {
    try {
      return await run();
    } catch (err) {
      const reason = err instanceof AppError && err.code === "VALIDATION" ? err.details.fields?.file : undefined;
      if (!reason) throw err;
      return area(c, { error: reason }, 422);
    }
  };

  app.get("/import-license-file", (c) => render(c, deps, <ImportLicenseFilePage maxKb={MAX_KB} />));

  app.post("/import-license-file/preview", async (c) => {
    const body = await parseFormBody(c);
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) return area(c, { error: "Choose the license file to import." }, 422);
    const bytes = new Uint8Array(await file.arrayBuffer());
    return orRefusedFile(c, () => area(c, { preview: preview(c.var.ctx, bytes) }));
  });

  app.post("/import-license-file", async (c) => {
    const form = await readForm(c);
    const file = new TextEncoder().encode(form.fileText ?? "");
    const target = form.target ?? "new";
    const codeSuffix = target.startsWith("code:") ? target.slice(5) : form.newSuffix;
    return orRefusedFile(c, async () => {
      try {
        const { ctx } = c.var;
        const machine = ctx.machine.binding(ctx.actor);
        const result = importLicenseFile(ctx, { file, machine, codeSuffix });
        if (machine.uuid !== machine.storedUuid) await ctx.machine.refresh(); // the banner goes at once
        const query = new URLSearchParams({ imported: result.licenseId, kind: result.kind, ...(result.code ? { code: result.code } : {}) });
        return redirect(c, deps, `/license-items?${query}`);
      } catch (err) {
        const suffixError = err instanceof AppError && err.details.fields?.codeSuffix;
        if (!suffixError) throw err;
        return area(c, { preview: preview(c.var.ctx, file), target, newSuffix: form.newSuffix, suffixError }, 422);
      }
    });
  });
}

/** What importing the file would do, as the page shows it. */
function preview(ctx: ServiceContext, file: Uint8Array): ImportPreviewView {
  return previewView(previewImport(ctx, { file, machine: ctx.machine.binding() }), ctx.clock.now());
}

function previewView(p: ImportPreview, now: Date): ImportPreviewView {
  const payload = p.license.payload;
  return {
    license: { licenseId: payload.licenseId, alias: payload.alias, licensee: payload.licensee, organizationId: payload.organizationId, boundUuids: payload.boundUuids, kid: p.license.kid, demo: p.license.demo },
    kind: p.plan.kind,
    message: p.plan.message,
    items: payload.items.map((i) => {
      const dates = { startsAt: new Date(i.startsAt), expiresAt: new Date(i.expiresAt), graceDays: i.graceDays ?? DEFAULT_GRACE_DAYS };
      return { ...i, ...dates, status: itemStatus({ ...dates, revokedAt: null }, now) };
    }),
    codes: p.codes.map((c) => ({ code: c.code, suffix: c.suffix, isDefault: c.isDefault })),
    suggestedSuffix: p.suggestedSuffix,
    fileText: p.license.fileText,
  };
}
