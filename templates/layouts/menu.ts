/** The portal's menu in the seed's order. An entry appears when its page exists. */
export const MENU = [
  { path: "/", label: "Home" },
  { path: "/generate-uuid", label: "Generate UUID" },
  { path: "/import-license-file", label: "Import License File" },
  { path: "/license-items", label: "License Items" },
  { path: "/configurations", label: "Configurations" },
  { path: "/email-config", label: "Email Config" },
  { path: "/alert-history", label: "Alert history" },
  { path: "/backups", label: "Backups" },
  { path: "/audit-log", label: "Audit log" },
  { path: "/change-password", label: "Change Password" },
] as const;
