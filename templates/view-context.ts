import { createContext, useContext } from "hono/jsx";
import type { MachineStatus } from "../src/domain/machine-uuid";

/**
 * What every view may need about where it is rendered. The renderer (src/http/render.ts) provides
 * it; views read it with useView(). Plain data, so views render in tests without a request.
 */
export interface ViewContext {
  /** The base path the portal is served under ("" or e.g. "/lts"). */
  base: string;
  /** The synchronizer token for forms posted without htmx. */
  csrfToken: string;
  version: string;
  /** Static asset URLs by file name, with a content hash for caching. */
  assets: Record<string, string>;
  /** The path of the current page without the base, for the menu. */
  currentPath: string;
  loggedIn: boolean;
  /** Served over plain HTTP to an address other than localhost: cookies cannot be Secure. */
  plainHttp: boolean;
  /** The hardware binding (machine UUID), for the mismatch banner and the UUID card. */
  machine: MachineStatus | null;
}

export const View = createContext<ViewContext>({
  base: "",
  csrfToken: "",
  version: "",
  assets: {},
  currentPath: "/",
  loggedIn: false,
  plainHttp: false,
  machine: null,
});

export const useView = () => useContext(View);

/** A portal URL under the base path. */
export const useUrl = () => {
  const { base } = useView();
  return (path: string) => base + path;
};
