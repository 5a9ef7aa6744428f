import { describe, expect, test } from "bun:test";
import {
  canonicalEncoding,
  compareIdentity,
  deriveMachineUuid,
  LABEL_NAMES,
  labelDigest,
  MACHINE_LABELS,
  MACHINE_UUID_PATTERN,
  machineStatus,
  normalizeLabelValue,
  type MachineLabel,
} from "../../src/domain/machine-uuid";
import { pickPhysicalMac, readCustomIdFile, readHardwareLabels, readHardwareLabelsInChild } from "../../src/services/machine-identity";
import { tempDir } from "../helpers/temp";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ALL: Record<MachineLabel, string> = {
  "processor-id": "GenuineIntel/6/85/7",
  mac: "525400123456",
  "machine-id": "3d1219c7c4c5404aaa1f6d2a48adfda4",
  "motherboard-serial": "PF2ABCDE",
  custom: "site-42",
};

describe("deriveMachineUuid", () => {
  test("is upper-case 8-4-4-4-12 hex", () => {
    expect(deriveMachineUuid({ mac: ALL.mac })).toMatch(MACHINE_UUID_PATTERN);
  });

  test("is the first 16 bytes of SHA-256 over the versioned canonical encoding", () => {
    const values = { "machine-id": ALL["machine-id"], mac: ALL.mac };
    expect(canonicalEncoding(values)).toBe(`lts-uuid/v1\nmac="525400123456"\nmachine-id="3d1219c7c4c5404aaa1f6d2a48adfda4"\n`);
    const hex = new Bun.CryptoHasher("sha256").update(canonicalEncoding(values)).digest("hex").slice(0, 32).toUpperCase();
    expect(deriveMachineUuid(values).replaceAll("-", "")).toBe(hex);
  });

  test("is stable: known inputs give known UUIDs", () => {
    // Pinned (checked with sha256sum): a change here changes every server's UUID and unbinds every license.
    expect(deriveMachineUuid({ "machine-id": ALL["machine-id"] })).toBe("A558A265-7919-D376-0DC7-8EC42900AF8E");
    expect(deriveMachineUuid({ "machine-id": ALL["machine-id"], mac: ALL.mac })).toBe("58E4593E-0D24-4037-3C35-B79FC0D2A8E0");
  });

  test("does not depend on the order the labels are given in", () => {
    const forward = deriveMachineUuid(ALL);
    const reversed = deriveMachineUuid(Object.fromEntries(Object.entries(ALL).reverse()));
    expect(reversed).toBe(forward);
  });

  for (const label of MACHINE_LABELS) {
    test(`changes when ${label} changes`, () => {
      expect(deriveMachineUuid({ ...ALL, [label]: ALL[label] + "x" })).not.toBe(deriveMachineUuid(ALL));
    });
  }

  test("depends on which labels are chosen, not only on their values", () => {
    expect(deriveMachineUuid({ mac: "abc" })).not.toBe(deriveMachineUuid({ custom: "abc" }));
    expect(deriveMachineUuid({ mac: ALL.mac })).not.toBe(deriveMachineUuid({ mac: ALL.mac, custom: "" }));
  });

  test("the encoding is injective: values cannot forge label boundaries", () => {
    const pairs: [Partial<Record<MachineLabel, string>>, Partial<Record<MachineLabel, string>>][] = [
      [{ custom: 'x\nmac="y"' }, { custom: "x", mac: "y" }],
      [{ custom: "x\nmac=y" }, { custom: "x", mac: "y" }],
      [{ "machine-id": 'a"\nmac="b' }, { "machine-id": "a", mac: "b" }],
      [{ custom: "ab", mac: "c" }, { custom: "a", mac: "bc" }],
    ];
    for (const [a, b] of pairs) {
      expect(canonicalEncoding(a)).not.toBe(canonicalEncoding(b));
      expect(deriveMachineUuid(a)).not.toBe(deriveMachineUuid(b));
    }
  });

  test("needs at least one label", () => {
    expect(() => deriveMachineUuid({})).toThrow(/at least one label/);
  });
});

describe("labelDigest and compareIdentity", () => {
  const stored = { mac: labelDigest(ALL.mac), "machine-id": labelDigest(ALL["machine-id"]) };

  test("a digest is hex SHA-256 and does not contain the value", () => {
    expect(labelDigest(ALL.mac)).toMatch(/^[0-9a-f]{64}$/);
    expect(labelDigest(ALL.mac)).not.toContain(ALL.mac);
    expect(labelDigest("a")).not.toBe(labelDigest("b"));
  });

  test("names no label when the values are the same", () => {
    expect(compareIdentity(stored, ALL)).toEqual([]);
  });

  test("names the label that changed, and one that has no value now", () => {
    expect(compareIdentity(stored, { ...ALL, mac: "525400999999" })).toEqual(["mac"]);
    expect(compareIdentity(stored, { ...ALL, "machine-id": null })).toEqual(["machine-id"]);
    expect(compareIdentity(stored, {})).toEqual(["mac", "machine-id"]);
  });

  test("ignores labels that were not chosen", () => {
    expect(compareIdentity(stored, { ...ALL, custom: "changed", "processor-id": null })).toEqual([]);
  });
});

describe("machineStatus", () => {
  const values = { mac: ALL.mac, "machine-id": ALL["machine-id"] };
  const stored = {
    uuid: deriveMachineUuid(values),
    labels: ["machine-id", "mac"] as MachineLabel[],
    digests: { mac: labelDigest(ALL.mac), "machine-id": labelDigest(ALL["machine-id"]) },
    customIdFile: null,
  };

  test("none stored: not ready, says how to generate one", () => {
    expect(machineStatus(null, ALL)).toMatchObject({ state: "none", ready: false, storedUuid: null, reason: expect.stringContaining("lts uuid generate") });
  });

  test("same hardware: ready, the current UUID is the stored one", () => {
    expect(machineStatus(stored, ALL)).toMatchObject({ state: "ok", ready: true, uuid: stored.uuid, storedUuid: stored.uuid, labels: ["mac", "machine-id"], changedLabels: [] });
  });

  test("a changed label: a mismatch naming it, with the UUID this hardware gives now", () => {
    const status = machineStatus(stored, { ...ALL, mac: "525400999999" });
    expect(status).toMatchObject({ state: "mismatch", ready: false, changedLabels: ["mac"], reason: "hardware binding mismatch: MAC address changed since the UUID was generated" });
    expect(status.uuid).toBe(deriveMachineUuid({ ...values, mac: "525400999999" }));
  });

  test("a label without a value now: a mismatch with no current UUID", () => {
    expect(machineStatus(stored, { ...ALL, mac: null })).toMatchObject({ state: "mismatch", uuid: null, changedLabels: ["mac"] });
  });
});

describe("normalizeLabelValue", () => {
  test("a MAC is lower-case hex without separators; all-zero is refused", () => {
    expect(normalizeLabelValue("mac", "52:54:00:AB:CD:EF")).toEqual({ value: "525400abcdef", reason: null });
    expect(normalizeLabelValue("mac", "52-54-00-ab-cd-ef").value).toBe("525400abcdef");
    expect(normalizeLabelValue("mac", "00:00:00:00:00:00").value).toBeNull();
    expect(normalizeLabelValue("mac", "not a mac").value).toBeNull();
  });

  test("serials are trimmed; empty and firmware placeholders are refused with the reason", () => {
    expect(normalizeLabelValue("motherboard-serial", "  PF2ABCDE \n")).toEqual({ value: "PF2ABCDE", reason: null });
    expect(normalizeLabelValue("motherboard-serial", "")).toEqual({ value: null, reason: "empty" });
    for (const placeholder of ["-", "To Be Filled By O.E.M.", "Default string", "00000000-0000-0000-0000-000000000000", "Not Specified"]) {
      expect(normalizeLabelValue("motherboard-serial", placeholder).reason).toMatch(/placeholder/);
    }
    expect(normalizeLabelValue("machine-id", "00000000000000000000000000000000").value).toBeNull();
  });

  test("every label has a display name", () => {
    expect(MACHINE_LABELS.map((l) => LABEL_NAMES[l])).toEqual(["ProcessorId", "MAC address", "Machine ID", "Motherboard serial", "Custom ID file"]);
  });
});

describe("pickPhysicalMac", () => {
  const nic = (iface: string, mac: string, internal = false) => ({ iface, ifaceName: iface, mac, internal });

  test("takes the lowest MAC of the physical interfaces", () => {
    expect(pickPhysicalMac([nic("eth1", "52:54:00:00:00:09"), nic("eth0", "52:54:00:00:00:02"), nic("wlan0", "a4:00:00:00:00:01")])).toBe("525400000002");
  });

  test("leaves out loopback, bridges, veth, docker, tun/tap, internal and all-zero interfaces", () => {
    const nics = [
      nic("lo", "00:00:00:00:00:00", true),
      nic("docker0", "02:42:00:00:00:01"),
      nic("br-1234", "02:42:00:00:00:02"),
      nic("veth12ab", "0a:00:00:00:00:03"),
      nic("virbr0", "52:00:00:00:00:04"),
      nic("tun0", "00:00:00:00:00:05"),
      nic("tap0", "00:00:00:00:00:06"),
      nic("internal", "00:00:00:00:00:07", true),
      nic("eth0", "00:00:00:00:00:00"),
      nic("enp3s0", "d8:5e:d3:00:00:08"),
    ];
    expect(pickPhysicalMac(nics)).toBe("d85ed3000008");
    expect(pickPhysicalMac(nics.slice(0, 9))).toBeNull();
  });

  test("leaves out what the platform says is virtual", () => {
    expect(pickPhysicalMac([nic("eth0", "52:54:00:00:00:01"), nic("eth1", "52:54:00:00:00:02")], (i) => i === "eth0")).toBe("525400000002");
  });
});

describe("reading only the custom label", () => {
  test("skips the hardware: the other labels come back unread, the custom ID file is read", async () => {
    const path = join(tempDir(), "id");
    writeFileSync(path, "site-42\n");
    for (const read of [readHardwareLabels, readHardwareLabelsInChild]) {
      const readings = await read({ customIdFile: path, only: ["custom"] });
      expect(readings.find((r) => r.label === "custom")).toEqual({ label: "custom", value: "site-42", reason: null });
      for (const r of readings.filter((r) => r.label !== "custom")) expect(r).toEqual({ label: r.label, value: null, reason: "not read: the stored UUID does not use it" });
    }
  });
});

describe("readCustomIdFile", () => {
  test("gives the file's trimmed content", () => {
    const path = join(tempDir(), "id");
    writeFileSync(path, "  site-42 \n");
    expect(readCustomIdFile(path)).toEqual({ label: "custom", value: "site-42", reason: null });
  });

  test("refuses a missing, empty, relative, oversized or unreadable file with the reason", () => {
    const dir = tempDir();
    expect(readCustomIdFile(join(dir, "missing")).reason).toMatch(/does not exist/);
    writeFileSync(join(dir, "empty"), " \n\t");
    expect(readCustomIdFile(join(dir, "empty")).reason).toMatch(/is empty/);
    expect(readCustomIdFile("relative/id").reason).toMatch(/not a full path/);
    expect(readCustomIdFile(dir).reason).toMatch(/is a directory/);
    writeFileSync(join(dir, "big"), "x".repeat(5000));
    expect(readCustomIdFile(join(dir, "big")).reason).toMatch(/larger than 4096 bytes/);
    expect(readCustomIdFile(null).reason).toMatch(/no custom ID file given/);
    if (process.getuid?.() !== 0) {
      writeFileSync(join(dir, "secret"), "x");
      chmodSync(join(dir, "secret"), 0o000);
      expect(readCustomIdFile(join(dir, "secret")).reason).toMatch(/permission denied/);
    }
  });

  test("refuses a FIFO without waiting for a writer, and a device without reading it to the end", () => {
    const fifo = join(tempDir(), "id.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(readCustomIdFile(fifo).reason).toBe(`not readable: ${fifo} is not a regular file (a device, FIFO or socket): give a file that holds the ID`);
    expect(readCustomIdFile("/dev/zero").reason).toMatch(/^not readable: \/dev\/zero is not a regular file/);
  }, 30_000);
});
