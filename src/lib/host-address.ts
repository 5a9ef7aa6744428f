import { networkInterfaces } from "node:os";

/** Finds the address other machines reach this host at; null when it has none. */
export type HostAddressLookup = () => string | null;

/** This host's first non-loopback IPv4 address, in the order the OS lists its interfaces. */
export const firstNonLoopbackIPv4: HostAddressLookup = () => {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return null;
};
