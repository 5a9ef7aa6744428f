import { describe, expect, test } from "bun:test";
import { decideAlert, levelReached, parseAddressList, parseLevels } from "../../src/domain/alerts";

describe("alert levels", () => {
  test("the level reached is the most severe one met: the highest percent, the fewest days", () => {
    expect(levelReached("up", [60, 80, 100], 59.9)).toBeNull();
    expect(levelReached("up", [60, 80, 100], 85)).toBe(80);
    expect(levelReached("up", [60, 80, 100], 130)).toBe(100);
    expect(levelReached("down", [1, 7, 30], 31)).toBeNull();
    expect(levelReached("down", [1, 7, 30], 7)).toBe(7);
    expect(levelReached("down", [1, 7, 30], 1)).toBe(1);
  });

  test("a level fires once, re-arms when the value falls back or the quota changes", () => {
    expect(decideAlert("up", null, 80, 10)).toEqual({ fire: true, next: { level: 80, quota: 10 } });
    expect(decideAlert("up", { level: 80, quota: 10 }, 80, 10)).toEqual({ fire: false, next: { level: 80, quota: 10 } });
    expect(decideAlert("up", { level: 80, quota: 10 }, 60, 10)).toEqual({ fire: false, next: { level: 60, quota: 10 } });
    expect(decideAlert("up", { level: 60, quota: 10 }, 80, 10).fire).toBe(true);
    expect(decideAlert("up", { level: 80, quota: 10 }, null, 10)).toEqual({ fire: false, next: null });
    expect(decideAlert("up", { level: 80, quota: 10 }, 80, 12).fire).toBe(true);
    expect(decideAlert("down", { level: 30, quota: 1 }, 7, 1).fire).toBe(true);
    expect(decideAlert("down", { level: 7, quota: 1 }, 30, 1)).toEqual({ fire: false, next: { level: 30, quota: 1 } });
  });

  test("levels parse from a typed list, sorted, without repeats; a bad one is named", () => {
    expect(parseLevels("100, 60;80 80%", 100)).toEqual({ ok: true, value: [60, 80, 100] });
    expect(parseLevels("", 100)).toMatchObject({ ok: false });
    expect(parseLevels("0", 100)).toEqual({ ok: false, problem: "'0' is not a whole number from 1 to 100." });
    expect(parseLevels("12.5", 100)).toMatchObject({ ok: false });
  });
});

describe("address lists", () => {
  test("several addresses separated by ';', each checked", () => {
    expect(parseAddressList(" a@example.com; b.c+d@mail.example.org ;")).toEqual({ ok: true, value: ["a@example.com", "b.c+d@mail.example.org"] });
    expect(parseAddressList("a@example.com; nope")).toEqual({ ok: false, problem: "'nope' is not an email address like name@example.com." });
  });

  test("nothing that could end a header or hide a recipient passes", () => {
    for (const bad of ["a@example.com\r\nBcc: x@example.com", "Name <a@example.com>", '"a b"@example.com', "a@example.com\n"]) {
      expect(parseAddressList(bad).ok).toBe(false);
    }
  });
});
