// Small formatting helpers shared by the pages: enum names and dates for people to read.

/** Enum value → its lower-case name without the enum's prefix ("ready", "viewer"). */
export const names = (enumeration: object): Record<number, string> =>
  Object.fromEntries(
    Object.entries(enumeration)
      .filter(([, value]) => typeof value === "number")
      .map(([key, value]) => [value, key.toLowerCase()]),
  );

/** A protobuf Timestamp as a local date and time; "" when unset. */
export function when(timestamp?: { seconds: bigint }): string {
  if (!timestamp || !timestamp.seconds) return "";
  return new Date(Number(timestamp.seconds) * 1000).toLocaleString();
}

/** A Date as a protobuf Timestamp (an init object for requests). */
export const timestamp = (date: Date) => {
  const ms = date.getTime(); // to the millisecond: a range ending now includes this second's messages
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
};

/** A form field's value as text ("" when absent). */
export const text = (form: FormData, name: string): string => String(form.get(name) ?? "");
