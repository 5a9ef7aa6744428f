/** The portal's menu in the seed's order. An entry appears when its page exists. */
export const MENU = [
  { path: "/", label: "Home" },
  { path: "/change-password", label: "Change Password" },
] as const;
