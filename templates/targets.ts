// DOM ids that htmx swaps, shared by the views that render them and the routes that answer them.
export const FLASH_ID = "flash";
export const SETUP_FORM_ID = "setup-form";
export const LOGIN_FORM_ID = "login-form";
export const CHANGE_PASSWORD_FORM_ID = "change-password-form";
