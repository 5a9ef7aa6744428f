import { AdminUsername, Field, Form, FormMessage, type FieldErrors } from "../components/form";
import { AuthLayout } from "../layouts/app-layout";
import { SETUP_FORM_ID } from "../targets";

export interface SetupFormProps {
  errors?: FieldErrors;
  message?: string;
}

/**
 * First run: the setup token from the console and the new management password. Anyone can see
 * this page, so it names the token file without the data dir's path (the console shows that).
 */
export function SetupPage(props: SetupFormProps) {
  return (
    <AuthLayout title="Set the management password">
      <p class="lead">
        Welcome. This server has no management password yet. To prove you run it, paste the <strong>setup token</strong> it
        printed on its console (also in its log, and in the file <code>setup-token</code> in the server's data dir).
      </p>
      <SetupForm {...props} />
    </AuthLayout>
  );
}

export function SetupForm(props: SetupFormProps) {
  const e = props.errors ?? {};
  return (
    <Form id={SETUP_FORM_ID} action="/setup" label="Set the management password">
      <FormMessage message={props.message} />
      <Field name="token" label="Setup token" error={e.token} autocomplete="off" autofocus />
      <AdminUsername />
      <Field name="password" label="New management password" type="password" error={e.password} autocomplete="new-password"
        hint="At least 12 characters. A few words you will remember make a strong password. Keep it safe: the portal cannot recover it." />
      <Field name="confirmPassword" label="New password again" type="password" error={e.confirmPassword} autocomplete="new-password" />
      <button type="submit">Set password</button>
    </Form>
  );
}
