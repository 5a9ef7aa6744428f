import { AppLayout, AuthLayout } from "../layouts/app-layout";
import { useView } from "../view-context";

export interface ErrorProps {
  status: number;
  title: string;
  message: string;
  requestId: string;
}

/** A whole page for an error (404, 403, 500…), inside the shell when logged in. */
export function ErrorPage(props: ErrorProps) {
  const Layout = useView().loggedIn ? AppLayout : AuthLayout;
  return (
    <Layout title={props.title}>
      <ErrorMessage {...props} />
    </Layout>
  );
}

/** The error alone, for the flash region of a page that made an htmx request. */
export function ErrorMessage(props: ErrorProps) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{props.message}</p>
      <p class="hint">
        Error {props.status} · request id <code>{props.requestId}</code>
      </p>
    </div>
  );
}
