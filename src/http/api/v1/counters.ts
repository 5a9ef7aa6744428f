import { API_ERRORS, type ApiErrorCode } from "../../../domain/api-errors";

/** What an authorize or report request came to: granted/accepted, or the refusal's code. */
export type ApiResult = "ok" | ApiErrorCode;

/**
 * The client API's answers since start, by endpoint and result, kept in memory for GET /metrics.
 * One array slot per result, found by the refusal code: counting costs one increment, no
 * allocation, on the hot path.
 */
export class ApiCounters {
  readonly authorize = new ResultCounts();
  readonly report = new ResultCounts();
}

const CODES = Object.keys(API_ERRORS).map(Number) as ApiErrorCode[];
const SLOT = new Map<ApiResult, number>([["ok", 0], ...CODES.map((code, i): [ApiResult, number] => [code, i + 1])]);

export class ResultCounts {
  readonly #counts = new Float64Array(CODES.length + 1);

  add(result: ApiResult): void {
    this.#counts[SLOT.get(result)!]!++;
  }

  /** The successes, then each refusal code that happened at least once, in code order. */
  entries(): { result: ApiResult; count: number }[] {
    return (["ok", ...CODES] as ApiResult[]).map((result, i) => ({ result, count: this.#counts[i]! })).filter((e) => e.result === "ok" || e.count > 0);
  }
}
