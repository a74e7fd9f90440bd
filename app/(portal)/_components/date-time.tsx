import { useFormatter, useNow, useTimeZone } from "next-intl";

// Dates in the user's locale and time zone (i18n/request.ts), with the zone named so
// nobody has to guess. Works in server and client components.

export function DateTime({ value, relative = false }: { value: Date | string | number; relative?: boolean }) {
  const format = useFormatter();
  const timeZone = useTimeZone() ?? "UTC";
  const date = new Date(value);
  const absolute = `${format.dateTime(date, { dateStyle: "medium", timeStyle: "medium" })} ${timeZone}`;
  return (
    <time dateTime={date.toISOString()} title={absolute}>
      {relative ? <Relative date={date} /> : absolute}
    </time>
  );
}

function Relative({ date }: { date: Date }) {
  const format = useFormatter();
  const now = useNow();
  return <>{format.relativeTime(date, now)}</>;
}
