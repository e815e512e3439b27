/** A jsonb column as the driver returns it (parsed, or text from some drivers); null as {}. */
export function jsonColumn<T extends object>(value: unknown): T {
  if (typeof value === "string") return JSON.parse(value) as T;
  return (value ?? {}) as T;
}
