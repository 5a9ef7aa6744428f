// DOM ids that htmx swaps, shared by the views that render them and the routes that answer them.
export const FLASH_ID = "flash";
export const SETUP_FORM_ID = "setup-form";
export const LOGIN_FORM_ID = "login-form";
export const CHANGE_PASSWORD_FORM_ID = "change-password-form";
export const ITEMS_TABLE_ID = "items-table";
export const itemDetailsId = (rowId: number) => `item-details-${rowId}`;
export const IMPORT_AREA_ID = "import-area";
export const GENERATE_UUID_FORM_ID = "generate-uuid-form";
/** The element holding the machine UUID (Home and Generate UUID). */
export const MACHINE_UUID_ID = "machine-uuid";
/** Configurations (handshake codes): the table, the add/edit form, a code's consumption order, Set Server URL. */
export const CODES_TABLE_ID = "codes-table";
export const CODE_FORM_ID = "code-form";
export const CONSUMPTION_ORDER_ID = "consumption-order";
export const SERVER_URL_FORM_ID = "server-url-form";
export const DEVICES_TABLE_ID = "devices-table";
/** Email Config: the sender/receivers form, the test email's answer, the thresholds, the per-subject switches. */
export const EMAIL_CONFIG_FORM_ID = "email-config-form";
export const TEST_EMAIL_ID = "test-email";
export const ALERT_RULES_FORM_ID = "alert-rules-form";
export const ALERT_SWITCHES_ID = "alert-switches";
/** The Devices page's list region (search, sort, table, pager): the swap target of its links and buttons. */
export const DEVICE_LIST_ID = "device-list";
/** A statistics page: the selected day's details (day links and the pager swap it). */
export const STATS_DETAILS_ID = "stats-details";
