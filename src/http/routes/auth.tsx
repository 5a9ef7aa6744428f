import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { isPasswordSet, logIn, logOut, newLoginDevice, setUpPassword, verifiedLoginDevice } from "../../services/admin";
import { LoginForm, LoginPage } from "../../../templates/pages/login-page";
import { SetupForm, SetupPage } from "../../../templates/pages/setup-page";
import type { AppEnv } from "../env";
import { readForm, submitForm } from "../forms";
import { safeNext } from "../middleware/require-admin";
import { clearSessionCookie, loginDeviceCookie, setLoginDeviceCookie, setSessionCookie } from "../middleware/session";
import { render, redirect } from "../render";

const NOTICES: Record<string, string> = {
  "setup-done": "The management password is set. Log in with it.",
  "logged-out": "You are logged out.",
  "password-changed": "Your password was changed. Log in with the new one.",
};

/**
 *   GET  /setup    first run: setup token + new password (404 once a password exists)
 *   POST /setup
 *   GET  /login    POST /login
 *   POST /logout
 */
export function registerAuthRoutes(app: Hono<AppEnv>, deps: Deps) {
  const setupOnly = () => {
    if (isPasswordSet(deps.db)) throw new AppError("NOT_FOUND", "The management password is already set. Log in instead.");
  };

  app.get("/setup", (c) => {
    setupOnly();
    return render(c, deps, <SetupPage />);
  });

  app.post("/setup", async (c) => {
    setupOnly();
    const form = await readForm(c);
    return submitForm(
      c,
      deps,
      async () => {
        await setUpPassword(c.var.ctx, deps.setupToken, { token: form.token ?? "", password: form.password ?? "", confirmPassword: form.confirmPassword ?? "" });
        return redirect(c, deps, "/login?notice=setup-done");
      },
      {
        page: (f) => <SetupPage {...f} />,
        fragment: (f) => <SetupForm {...f} />,
      },
    );
  });

  app.get("/login", (c) => {
    if (!isPasswordSet(deps.db)) return redirect(c, deps, "/setup");
    if (c.var.session) return redirect(c, deps, safeNext(c.req.query("next")));
    return render(c, deps, <LoginPage next={c.req.query("next")} notice={NOTICES[c.req.query("notice") ?? ""]} />);
  });

  app.post("/login", async (c) => {
    if (!isPasswordSet(deps.db)) return redirect(c, deps, "/setup");
    const form = await readForm(c);
    const next = c.req.query("next");
    const device = verifiedLoginDevice(deps.instanceKey, loginDeviceCookie(c, deps.settings));
    return submitForm(
      c,
      deps,
      async () => {
        const session = await logIn(c.var.ctx, { password: form.password ?? "" }, {
          previousSessionIdHash: c.var.session?.idHash ?? null,
          userAgent: c.req.header("user-agent") ?? null,
          device,
        });
        setSessionCookie(c, deps.settings, session.token);
        if (!device) setLoginDeviceCookie(c, deps.settings, newLoginDevice(deps.instanceKey));
        return redirect(c, deps, safeNext(next));
      },
      {
        page: (f) => <LoginPage next={next} {...f} />,
        fragment: (f) => <LoginForm next={next} {...f} />,
      },
    );
  });

  app.post("/logout", (c) => {
    logOut(c.var.ctx, c.var.session!.idHash);
    clearSessionCookie(c, deps.settings);
    return redirect(c, deps, "/login?notice=logged-out");
  });
}
