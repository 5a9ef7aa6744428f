import { isoDay, type StatsData, type StatsQuery } from "../../domain/statistics";

/** A CSV field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function field(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Running totals of a daily series (the "cumulative" view); peaks are not summed. */
export function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}

/**
 * What a statistics view shows, as CSV (RFC 4180, CRLF, a header row, ISO UTC times), streamed
 * row by row: the selected day's detail rows when a day is open (by device: every device of the
 * day, not just the page shown, read page by page as the stream is pulled), else the range's daily
 * series (running totals in the cumulative view, except for peaks).
 */
export function statisticsCsv(q: StatsQuery, data: StatsData): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  function* lines(): Generator<string> {
    if (data.details?.devices) {
      const { perItem, all } = data.details.devices;
      yield ["device_uuid", "name", ...(perItem ? ["item"] : []), "authorizations", "reports", "units", "first_at", "last_at"].map(field).join(",");
      for (const row of all) {
        yield [row.deviceUuid, row.name ?? "", ...(perItem ? [row.itemId] : []), row.authorizations, row.reports, row.units, new Date(row.firstAt).toISOString(), new Date(row.lastAt).toISOString()].map(field).join(",");
      }
      return;
    }
    if (data.details) {
      const d = data.details;
      yield [d.group === "hour" ? "hour_start" : d.group, ...d.columns].map(field).join(",");
      for (const row of d.allRows) {
        const label = d.group === "hour" ? `${isoDay(d.day)}T${row.label.slice(0, 5)}:00.000Z` : row.label;
        yield [label, ...row.values].map(field).join(",");
      }
      return;
    }
    const series = data.lines.map((line) => (q.cumulative && !data.peak ? cumulative(line.values) : line.values));
    yield [data.grain === "day" ? "day_start" : "month_start", ...data.lines.map((l) => l.label), ...(data.limit !== null ? ["Quantity"] : [])].map(field).join(",");
    for (const [i, day] of data.days.entries()) {
      yield [new Date(day).toISOString(), ...series.map((s) => s[i] ?? 0), ...(data.limit !== null ? [data.limit] : [])].map(field).join(",");
    }
  }
  const rows = lines();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      // A few hundred rows a chunk: big enough to be cheap, small enough to stream.
      let chunk = "";
      for (let n = 0; n < 500; n++) {
        const next = rows.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += `${next.value}\r\n`;
      }
      controller.enqueue(encoder.encode(chunk));
    },
  });
}
