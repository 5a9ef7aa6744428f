import { AdminUsername, Field, Form, FormMessage, type FieldErrors } from "../components/form";
import { AuthLayout } from "../layouts/app-layout";
import { LOGIN_FORM_ID } from "../targets";

export interface LoginFormProps {
  errors?: FieldErrors;
  message?: string;
  notice?: string;
  /** Where to go after logging in (a portal path). */
  next?: string;
}

export function LoginPage(props: LoginFormProps) {
  return (
    <AuthLayout title="Log in">
      <LoginForm {...props} />
      <p class="hint">
        Lost the password? On the server, run <code>lts reset-password</code>.
      </p>
    </AuthLayout>
  );
}

export function LoginForm(props: LoginFormProps) {
  const e = props.errors ?? {};
  return (
    <Form id={LOGIN_FORM_ID} action={props.next ? `/login?next=${encodeURIComponent(props.next)}` : "/login"} label="Log in">
      <FormMessage message={props.notice} kind="ok" />
      <FormMessage message={props.message} />
      <AdminUsername />
      <Field name="password" label="Management password" type="password" error={e.password} autocomplete="current-password" autofocus />
      <button type="submit">Log in</button>
    </Form>
  );
}
