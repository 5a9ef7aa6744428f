import type { Child } from "hono/jsx";
import { HardwareMismatchBanner } from "../components/machine-uuid";
import { FLASH_ID } from "../targets";
import { useUrl, useView } from "../view-context";
import { Document } from "./document";
import { MENU } from "./menu";

/** The admin shell: menu on the left, the page on the right, a flash region for htmx errors. */
export function AppLayout(props: { title: string; children: Child }) {
  const view = useView();
  const url = useUrl();
  return (
    <Document title={props.title}>
      <div class="shell">
        <nav class="sidebar" aria-label="Main menu">
          <a class="brand" href={url("/")}>
            <img src={view.assets["favicon.svg"]} alt="" width="28" height="28" />
            <span>License Tracking Server</span>
          </a>
          <ul class="menu">
            {MENU.map((item) => (
              <li>
                <a href={url(item.path)} aria-current={view.currentPath === item.path ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
          <form class="logout" method="post" action={url("/logout")}>
            <input type="hidden" name="_csrf" value={view.csrfToken} />
            <button type="submit" class="button-quiet">
              Log out
            </button>
          </form>
          <p class="version">LTS {view.version}</p>
        </nav>
        <main class="content">
          <PlainHttpBanner />
          <HardwareMismatchBanner />
          <div id={FLASH_ID} aria-live="polite"></div>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </div>
    </Document>
  );
}

/** Pages for visitors who are not logged in (setup, login): one card in the middle. */
export function AuthLayout(props: { title: string; children: Child }) {
  const view = useView();
  return (
    <Document title={props.title} bodyClass="auth">
      <main class="auth-card">
        <div class="brand">
          <img src={view.assets["favicon.svg"]} alt="" width="32" height="32" />
          <span>License Tracking Server</span>
        </div>
        <PlainHttpBanner />
        <div id={FLASH_ID} aria-live="polite"></div>
        <h1>{props.title}</h1>
        {props.children}
        <p class="version">LTS {view.version}</p>
      </main>
    </Document>
  );
}

function PlainHttpBanner() {
  if (!useView().plainHttp) return null;
  return (
    <p class="banner banner-warn" role="note">
      This portal is served over plain HTTP: the password and session travel unencrypted on the network. Serve it with
      --tls-cert/--tls-key or behind an HTTPS reverse proxy.
    </p>
  );
}
