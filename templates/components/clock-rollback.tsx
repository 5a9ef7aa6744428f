import { describeClockGap, type ClockStatus } from "../../src/domain/clock-rollback";
import { formatUtc } from "../format";

/** Red, on Home while the system clock is rolled back (more than 5 minutes behind the latest time seen). */
export function ClockRollbackBanner(props: { clock: ClockStatus | null | undefined }) {
  const { clock } = props;
  if (!clock || clock.state !== "rolled-back") return null;
  return (
    <p class="banner banner-danger" role="alert" id="clock-rollback">
      Clock rolled back: this machine's clock is {describeClockGap(clock.behindMs)} behind the latest time this server has seen (
      <time datetime={clock.latestSeen.toISOString()}>{formatUtc(clock.latestSeen)} UTC</time>). Until the clock is set
      right, license dates are checked against that time, so expired items stay expired. Set the system clock to the correct time (e.g. enable NTP).
    </p>
  );
}
