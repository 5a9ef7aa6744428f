import { describe, expect, test } from "bun:test";
import { isApiRequest } from "../../src/server";

describe("isApiRequest (the shorter timeout for client API requests)", () => {
  test("matches the API path under the base path, and nothing else", () => {
    expect(isApiRequest("http://127.0.0.1:48080/api/v1/authorize", "/api/")).toBe(true);
    expect(isApiRequest("https://lts.example.com/lts/api/v1/report", "/lts/api/")).toBe(true);
    expect(isApiRequest("http://127.0.0.1:48080/lts/api/v1/report", "/api/")).toBe(false);
    expect(isApiRequest("http://127.0.0.1:48080/index?next=/api/", "/api/")).toBe(false);
    expect(isApiRequest("http://127.0.0.1:48080/", "/api/")).toBe(false);
    expect(isApiRequest("http://[::1]:48080/api/v1/authorize", "/api/")).toBe(true);
  });
});
