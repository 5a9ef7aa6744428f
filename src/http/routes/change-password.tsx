import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { changePassword } from "../../services/admin";
import { ChangePasswordForm, ChangePasswordPage } from "../../../templates/pages/change-password-page";
import type { AppEnv } from "../env";
import { readForm, submitForm } from "../forms";
import { setSessionCookie } from "../middleware/session";
import { redirect, render } from "../render";

/**
 *   GET  /change-password   the form
 *   POST /change-password   current + new password; other sessions end, this one gets a new id
 */
export function registerChangePasswordRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/change-password", (c) => {
    const ended = c.req.query("ended");
    const done = ended === undefined ? undefined : `Password changed. ${ended === "0" ? "No other session was open." : `${ended} other session(s) were logged out.`}`;
    return render(c, deps, <ChangePasswordPage done={done} />);
  });

  app.post("/change-password", async (c) => {
    const form = await readForm(c);
    return submitForm(
      c,
      deps,
      async () => {
        const { endedSessions, session } = await changePassword(
          c.var.ctx,
          { currentPassword: form.currentPassword ?? "", newPassword: form.newPassword ?? "", confirmPassword: form.confirmPassword ?? "" },
          { sessionIdHash: c.var.session!.idHash, userAgent: c.req.header("user-agent") ?? null },
        );
        setSessionCookie(c, deps.settings, session.token);
        return redirect(c, deps, `/change-password?ended=${endedSessions}`);
      },
      { page: (f) => <ChangePasswordPage {...f} />, fragment: (f) => <ChangePasswordForm {...f} /> },
    );
  });
}
