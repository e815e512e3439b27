/** Transaction-local settings as one statement: `SELECT set_config($1, $2, true), …`. */
export function setConfigStatement(settings: readonly (readonly [string, string])[]): {
  text: string;
  params: string[];
} {
  return {
    text: `SELECT ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`,
    params: settings.flat(),
  };
}
