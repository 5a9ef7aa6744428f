// The part of autocannon's programmatic API that scripts/bench-load.ts uses (autocannon ships no
// types; this saves a second devDependency for them).
declare module "autocannon" {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    requests?: { method?: string; headers?: Record<string, string>; setupRequest?: (request: object, context: object) => object; onResponse?: (status: number, body: string, context: object) => void }[];
  }
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
