// Templated memory texts for the benchmarks: deterministic, varied enough to cluster.
let seed = 7;
export const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
const SUBJECTS = [
  "The user",
  "The user's manager",
  "The user's partner",
  "The team",
  "The user's sister",
  "The client",
];
const VERBS = [
  "prefers",
  "uses",
  "dislikes",
  "mentioned",
  "is planning",
  "asked about",
  "works on",
  "recommended",
];
const THINGS = [
  "window seats",
  "dark mode",
  "the billing service",
  "Rust",
  "weekly reports",
  "oat milk",
  "a trip to Lisbon",
  "the quarterly budget",
  "jazz records",
  "the mobile app",
  "remote work",
  "vegetarian food",
  "the Postgres migration",
  "early meetings",
  "cycling",
];
const WHEN = [
  "on Mondays",
  "since March",
  "every morning",
  "for the launch",
  "at weekends",
  "this quarter",
  "before noon",
  "after the offsite",
];
export const sentence = (i: number) =>
  `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(THINGS)} ${pick(WHEN)} (note ${i})`;
