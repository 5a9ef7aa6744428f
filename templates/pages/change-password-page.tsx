import { AdminUsername, Field, Form, FormMessage, type FieldErrors } from "../components/form";
import { AppLayout } from "../layouts/app-layout";
import { CHANGE_PASSWORD_FORM_ID } from "../targets";

export interface ChangePasswordFormProps {
  errors?: FieldErrors;
  message?: string;
  done?: string;
}

export function ChangePasswordPage(props: ChangePasswordFormProps) {
  return (
    <AppLayout title="Change Password">
      <p class="lead">Changing the password logs out every other browser that is logged in.</p>
      <ChangePasswordForm {...props} />
    </AppLayout>
  );
}

export function ChangePasswordForm(props: ChangePasswordFormProps) {
  const e = props.errors ?? {};
  return (
    <Form id={CHANGE_PASSWORD_FORM_ID} action="/change-password" label="Change password">
      <FormMessage message={props.done} kind="ok" />
      <FormMessage message={props.message} />
      <AdminUsername />
      <Field name="currentPassword" label="Current password" type="password" error={e.currentPassword} autocomplete="current-password" />
      <Field name="newPassword" label="New password" type="password" error={e.newPassword} autocomplete="new-password" hint="At least 12 characters." />
      <Field name="confirmPassword" label="New password again" type="password" error={e.confirmPassword} autocomplete="new-password" />
      <button type="submit">Change password</button>
    </Form>
  );
}
